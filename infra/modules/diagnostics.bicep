// Platform logs and metrics into the Log Analytics workspace (Entra-only: the workspace has local auth off and
// diagnostic settings need no key), next to the app's own telemetry in Application Insights:
// - Cosmos DB: data-plane requests (status, RU charge, partition of every call), RU consumption per partition
//   key (hot machines), control-plane requests (who changed the account), and the Requests metric; written to
//   resource-specific tables (CDBDataPlaneRequests, ...), which are cheaper to query than AzureDiagnostics;
// - the queue service: writes and deletes (who enqueued, which message was deleted or moved), not reads, which
//   the trigger's polling would flood, and the Transaction metric;
// - the function app: FunctionAppLogs (the host's own log, also for a worker that never reached Application
//   Insights) and all metrics.
param workspaceId string
param storageAccountName string
param cosmosAccountName string
param functionAppName string

resource cosmosAccount 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = {
  name: cosmosAccountName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource cosmosDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: cosmosAccount
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      { category: 'DataPlaneRequests', enabled: true }
      { category: 'PartitionKeyRUConsumption', enabled: true }
      { category: 'ControlPlaneRequests', enabled: true }
    ]
    metrics: [{ category: 'Requests', enabled: true }]
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: queueService
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      { category: 'StorageWrite', enabled: true }
      { category: 'StorageDelete', enabled: true }
    ]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource functionAppDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: site
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'FunctionAppLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}
