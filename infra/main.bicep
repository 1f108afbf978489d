// statmgr on Azure: Storage queues -> Flex Consumption function app -> Cosmos DB, observed in Application Insights.
// Deploy with `azd up` (azure.yaml) or `az deployment sub create -l <region> -f infra/main.bicep -p infra/main.parameters.json`.
// Every connection is identity-based: no account key, connection string or listKeys() anywhere.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('Name of the environment (azd): used in resource names and the resource group name.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
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

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: { location: location, tags: tags, appInsightsId: monitoring.outputs.appInsightsId }
}

// azd reads these outputs (and writes them to .azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output STATUS_QUEUE_SERVICE_URI string = storage.outputs.queueServiceUri
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
