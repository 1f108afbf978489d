// Log Analytics workspace and a workspace-based Application Insights component, both with local auth
// disabled: telemetry is accepted only with an Entra token, which the app gets from its identity
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING) with the Monitoring Metrics Publisher role, and the workspace
// takes no workspace-key ingestion or queries (diagnostic settings and people use Entra ID).
param workspaceName string
param appInsightsName string
param location string
param tags object
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    features: { disableLocalAuth: true }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
// The connection string names the ingestion endpoint; it is not a secret once local auth is disabled.
output connectionString string = appInsights.properties.ConnectionString
output workspaceId string = workspace.id
