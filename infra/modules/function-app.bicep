// Flex Consumption function app (Linux, Node 22) running as the user-assigned identity. App settings are
// identity-based connections only: no connection string, no key. Basic publishing credentials (FTP and the
// SCM site's user/password) are off: deployments authenticate with Entra ID (azd, az). People may sign in
// with Entra ID (App Service Authentication) on top of the function keys automation uses.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param queueServiceUri string
param deploymentContainerUrl string
param cosmosEndpoint string
param cosmosDatabase string
param appInsightsConnectionString string
param maximumInstanceCount int
param instanceMemoryMB int
@description('Client id of the Entra ID app registration people sign in with; empty: no sign-in, function keys only.')
param signInClientId string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
  }
}

// Read by lib/config.ts (the app) and by the Functions host (AzureWebJobsStorage, StatusStorage connection,
// Application Insights). Flex Consumption sets the worker runtime itself (functionAppConfig.runtime), so
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION must not be set here.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // The Functions host's own storage, through the identity.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // The queue trigger's connection (`connection: 'StatusStorage'`) and the app's queue client.
    StatusStorage__queueServiceUri: queueServiceUri
    StatusStorage__credential: 'managedidentity'
    StatusStorage__clientId: identityClientId
    // Cosmos DB through Entra ID (the account has local auth disabled).
    COSMOS_ENDPOINT: cosmosEndpoint
    COSMOS_DATABASE: cosmosDatabase
    AZURE_CLIENT_ID: identityClientId
    // Telemetry: the host and the app's OpenTelemetry exporter, authenticated as the identity.
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  }
}

// No FTP and no SCM basic auth: zip deploy (azd, az functionapp deployment) authenticates with Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

// Optional Entra ID sign-in in front of the HTTP routes. A browser without a session is sent to the sign-in
// page; a program presents a bearer token for the app registration (audience api://<client id>). The function
// keys still apply behind it (authLevel: function). `/api/health` stays open for probes. No client secret:
// the sign-in uses the ID token flow, so nothing here is a key.
resource signIn 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(signInClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: ['/api/health']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: signInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: ['api://${signInClientId}', signInClientId] }
      }
    }
    httpSettings: { requireHttps: true }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
