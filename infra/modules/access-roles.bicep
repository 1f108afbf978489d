// What people and agents may do, nothing more:
// - the operator (a person or group; azd's signed-in user by default) reads and replays the data: Cosmos DB
//   Built-in Data Contributor on the database (Data Explorer, `npm run replay`, which marks dead letters
//   replayed) and Storage Queue Data Contributor on the account (peek, move and delete messages in either
//   queue; the replay CLI sends to `status-messages`);
// - each agent identity may only add messages to `status-messages`: Storage Queue Data Message Sender scoped
//   to that queue, so it can neither read other agents' messages nor write to the poison queue.
// Role ids are Azure built-in roles (test/infra/schema/built-in-roles.json names their source).
@description('Object (principal) id of the operator; empty: none.')
param operatorPrincipalId string
@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string
@description('Object (principal) ids of the agents\' managed identities or service principals.')
param agentPrincipalIds array
param storageAccountName string
param cosmosAccountName string
param cosmosDatabaseName string

var roles = {
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
}
// Cosmos DB data-plane role (a sqlRoleDefinition of the account, not Azure RBAC).
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource statusQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = {
  parent: queueService
  name: 'status-messages'
}

resource cosmosAccount 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = {
  name: cosmosAccountName
}

resource operatorQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  scope: storage
  name: guid(storage.id, operatorPrincipalId, roles.storageQueueDataContributor)
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource operatorCosmos 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = if (!empty(operatorPrincipalId)) {
  parent: cosmosAccount
  name: guid(cosmosAccount.id, operatorPrincipalId, cosmosDataContributorRoleId)
  properties: {
    principalId: operatorPrincipalId
    roleDefinitionId: '${cosmosAccount.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    scope: '${cosmosAccount.id}/dbs/${cosmosDatabaseName}'
  }
}

resource agentSenders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for agentPrincipalId in agentPrincipalIds: {
    scope: statusQueue
    name: guid(statusQueue.id, agentPrincipalId, roles.storageQueueDataMessageSender)
    properties: {
      principalId: agentPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender)
    }
  }
]
