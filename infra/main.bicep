// statmgr on Azure: Storage queues -> Flex Consumption function app -> Cosmos DB, observed in Application Insights.
// Deploy with `azd up` (azure.yaml) or `az deployment sub create -l <region> -f infra/main.bicep -p infra/main.parameters.json`.
// Every connection is identity-based: no account key, connection string or listKeys() anywhere.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('Name of the environment (azd): used in resource names and the resource group name.')
param environmentName string

// The regions that offer Flex Consumption (as listed by the Flex Consumption quickstart templates, late 2026;
// `az functionapp list-flexconsumption-locations` prints the current list). azd offers only these.
@minLength(1)
@description('Azure region for every resource: one that offers Flex Consumption.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create or reuse. Default: rg-<environmentName>.')
param resourceGroupName string = ''

@allowed(['serverless', 'provisioned'])
@description('Cosmos DB capacity: serverless (pay per request, default) or provisioned autoscale throughput on the database.')
param cosmosCapacityMode string = 'serverless'

@minValue(1000)
@description('Provisioned mode only: autoscale maximum RU/s shared by the database (scales between 10% and this).')
param cosmosAutoscaleMaxThroughput int = 1000

@minValue(1)
@description('Days a status message is kept in Cosmos `status-messages` before TTL deletes it. Dead letters never expire.')
param messageRetentionDays int = 90

@minValue(1)
@maxValue(1000)
@description('Flex Consumption: the most instances the app scales out to. Bounds Cosmos RU and queue load together.')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
@description('Flex Consumption: memory per instance in MB.')
param instanceMemoryMB int = 2048

@minValue(30)
@description('Days Log Analytics keeps logs, traces and metrics.')
param logRetentionDays int = 30

@description('E-mail address that receives alerts. Empty: alerts fire (visible in the portal) without notifying anyone.')
param alertEmail string = ''

@minValue(1)
@description('Alert when more than this many status messages are dead-lettered in one hour.')
param deadLetterAlertThresholdPerHour int = 10

@minValue(1)
@description('Alert when the oldest message in `status-messages` has waited longer than this many minutes.')
param oldestMessageAlertMinutes int = 15

@minValue(1)
@description('Alert when more than this many function invocations fail within 15 minutes.')
param functionFailureAlertThreshold int = 5

@description('Object (principal) id of the operator: a person or group who reads and replays the data (Cosmos data-plane role on the database, queue data role on the account). azd fills it with the signed-in user (AZURE_PRINCIPAL_ID). Empty: no operator role.')
param operatorPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
@description('What operatorPrincipalId is: User (default, azd\'s signed-in user), Group or ServicePrincipal.')
param operatorPrincipalType string = 'User'

@description('Comma-separated object (principal) ids of the agents\' identities (managed identities or service principals). Each may only add messages to the `status-messages` queue. Empty: none yet.')
param agentPrincipalIds string = ''

@description('Client (application) id of an Entra ID app registration for people signing in to the HTTP API (App Service Authentication), on top of function keys. Empty: function keys only.')
param signInClientId string = ''

var tags = { 'azd-env-name': environmentName, app: 'statmgr' }
var token = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: { name: 'id-statmgr-${token}', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-statmgr-${token}'
    appInsightsName: 'appi-statmgr-${token}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: { name: 'ststatmgr${take(token, 13)}', location: location, tags: tags }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: 'cosmos-statmgr-${token}'
    location: location
    tags: tags
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    messageRetentionDays: messageRetentionDays
    dataContributorPrincipalId: identity.outputs.principalId
  }
}

module roles 'modules/app-roles.bicep' = {
  name: 'app-roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module peopleAndAgents 'modules/access-roles.bicep' = {
  name: 'access-roles'
  scope: rg
  params: {
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
    agentPrincipalIds: filter(map(split(agentPrincipalIds, ','), id => trim(id)), id => !empty(id))
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    cosmosDatabaseName: cosmos.outputs.databaseName
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: 'func-statmgr-${token}'
    planName: 'plan-statmgr-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    queueServiceUri: storage.outputs.queueServiceUri
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    appInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    signInClientId: signInClientId
  }
  // The app starts its triggers at once: give it its roles first.
  dependsOn: [roles]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: 'statmgr-${token}'
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    deadLetterThresholdPerHour: deadLetterAlertThresholdPerHour
    oldestMessageMinutes: oldestMessageAlertMinutes
    functionFailureThreshold: functionFailureAlertThreshold
  }
}

module diagnostics 'modules/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.workspaceId
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    functionAppName: functionApp.outputs.name
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: { location: location, tags: tags, appInsightsId: monitoring.outputs.appInsightsId }
}

// azd writes these outputs to .azure/<env>/.env (`azd env get-values`). Each is named after the setting it
// feeds, so the agent and replay CLIs run against Azure with those values in their environment.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output StatusStorage__queueServiceUri string = storage.outputs.queueServiceUri
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output STATMGR_API_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}/api'
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
