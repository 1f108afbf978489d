// Cosmos DB (NoSQL): account with local (key) auth disabled, database `statmgr` and its containers, and the
// app identity's data-plane role assignment (Cosmos DB Built-in Data Contributor, scoped to the database).
param name string
param location string
param tags object

@allowed(['serverless', 'provisioned'])
param capacityMode string
@description('Provisioned mode: autoscale maximum RU/s of the database (shared by its containers).')
param autoscaleMaxThroughput int
@description('Default TTL of status messages, in days.')
param messageRetentionDays int
@description('Principal (object) id of the app identity that reads and writes documents.')
param dataContributorPrincipalId string

var databaseName = 'statmgr'
// Built-in "Cosmos DB Built-in Data Contributor" data-plane role (read/write items, no account management).
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    // Entra ID only: no account keys, no resource tokens; metadata changes only through ARM (this template).
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    capabilities: capacityMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: capacityMode == 'provisioned' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

// status-messages: one logical partition per machine (hierarchical key site, machine): an envelope is one
// bulk request to one partition, and the viewer's queries filter by site, then machine. Only the fields the
// queries filter or sort on are indexed; the payload fields (insertionStrings, attributes, text, ...) are not,
// which keeps a 1 KB write near the minimum RU charge.
resource messages 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'status-messages'
  properties: {
    resource: {
      id: 'status-messages'
      partitionKey: { paths: ['/site', '/machine'], kind: 'MultiHash', version: 2 }
      defaultTtl: messageRetentionDays * 86400
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/site/?' }
          { path: '/machine/?' }
          { path: '/component/?' }
          { path: '/severity/?' }
          { path: '/time/?' }
          { path: '/messageId/?' }
          { path: '/messageType/?' }
          { path: '/batchId/?' }
        ]
        excludedPaths: [
          { path: '/*' }
          { path: '/"_etag"/?' }
        ]
        // The same list as lib/cosmos/message-indexes.ts (the query API's ORDER BY per filter); a test checks it.
        compositeIndexes: [
          [{ path: '/site', order: 'ascending' }, { path: '/time', order: 'descending' }]
          [{ path: '/site', order: 'ascending' }, { path: '/machine', order: 'ascending' }, { path: '/time', order: 'descending' }]
          [{ path: '/site', order: 'ascending' }, { path: '/severity', order: 'ascending' }, { path: '/time', order: 'descending' }]
          [{ path: '/site', order: 'ascending' }, { path: '/component', order: 'ascending' }, { path: '/time', order: 'descending' }]
          [{ path: '/site', order: 'ascending' }, { path: '/messageId', order: 'ascending' }, { path: '/time', order: 'descending' }]
          [{ path: '/site', order: 'ascending' }, { path: '/messageType', order: 'ascending' }, { path: '/time', order: 'descending' }]
        ]
      }
    }
  }
}

// deadletters: keyed by its own id. defaultTtl -1: TTL is on but nothing expires by default, so a dead letter
// never expires silently (it stays until someone replays or deletes it), while the ingest function's
// short-lived last-failure notes (per-document `ttl`, 30 days) do expire. The raw body is not indexed.
resource deadletters 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'deadletters'
  properties: {
    resource: {
      id: 'deadletters'
      partitionKey: { paths: ['/id'], kind: 'Hash' }
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [{ path: '/*' }]
        excludedPaths: [{ path: '/raw/?' }, { path: '/rawBase64/?' }, { path: '/"_etag"/?' }]
      }
    }
  }
}

// agents: one summary document per agent, same hierarchical key as status-messages.
resource agents 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'agents'
  properties: {
    resource: {
      id: 'agents'
      partitionKey: { paths: ['/site', '/machine'], kind: 'MultiHash', version: 2 }
    }
  }
}

// summaries: per-envelope count deltas, resets and presence of each site's components and machines
// (docs/summaries.md). Partition key /site: the API reads one site at a time. The deltas expire with the
// messages they count (same retention); the API reads only the deltas reaching into today's period.
resource summaries 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'summaries'
  properties: {
    resource: {
      id: 'summaries'
      partitionKey: { paths: ['/site'], kind: 'Hash' }
      defaultTtl: messageRetentionDays * 86400
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [{ path: '/kind/?' }, { path: '/batchId/?' }, { path: '/lastHour/?' }, { path: '/site/?' }]
        excludedPaths: [{ path: '/*' }, { path: '/"_etag"/?' }]
      }
    }
  }
}

// rules: the status filter rules, one document (id `status-filter-rules`) holding the ordered list.
resource rules 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'rules'
  properties: {
    resource: {
      id: 'rules'
      partitionKey: { paths: ['/id'], kind: 'Hash' }
    }
  }
}

resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: account
  name: guid(account.id, dataContributorPrincipalId, dataContributorRoleId)
  properties: {
    principalId: dataContributorPrincipalId
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    // Only this database, not the whole account.
    scope: '${account.id}/dbs/${database.name}'
  }
}

output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output accountName string = account.name
