// The statmgr workbook (infra/workbook.json): throughput, lag, dead letters, queue depth and RU per message.
param location string
param tags object
param appInsightsId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'statmgr-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'statmgr: ingest pipeline'
    category: 'workbook'
    sourceId: appInsightsId
    serializedData: loadTextContent('../workbook.json')
  }
}
