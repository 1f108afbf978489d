// Alerts on what an operator must act on. The queue and dead-letter signals are custom metrics the app emits
// through OpenTelemetry (lib/telemetry): Azure Storage's platform metrics count messages per account, hourly,
// with no per-queue dimension and no message age, so they cannot tell the poison queue apart or say how old
// the oldest message is. The `queue-monitor` timer function samples both queues every minute instead.
param namePrefix string
param location string
param tags object
param appInsightsId string
param alertEmail string
param deadLetterThresholdPerHour int
param oldestMessageMinutes int
param functionFailureThreshold int

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'statmgr'
    enabled: true
    emailReceivers: [{ name: 'operators', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var actionGroups = empty(alertEmail) ? [] : [actionGroup.id]

// Poison queue not empty: the depth sampled by queue-monitor, or any message the poison archiver moved to
// `deadletters` (it drains the poison queue, so the depth alone can read 0 between samples).
resource poisonQueue 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-poison-queue'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'statmgr: poison queue not empty'
    description: 'Messages failed maxDequeueCount times and reached status-messages-poison. See deadletters (source poison-queue) for the last error, then replay.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
let depth = customMetrics
  | where name == "statmgr.queue.depth" and tostring(customDimensions["queue"]) == "status-messages-poison"
  | summarize v = max(valueMax);
let archived = customMetrics
  | where name == "statmgr.poison.archived"
  | summarize v = sum(valueSum);
union depth, archived
| summarize PoisonMessages = sum(coalesce(v, 0.0))
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'PoisonMessages'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

// Dead letters per hour above a threshold, from the app's `statmgr.messages.deadlettered` counter.
resource deadLetterRate 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-deadletter-rate'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'statmgr: dead letters per hour above ${deadLetterThresholdPerHour}'
    description: 'More status messages than usual were rejected and written to deadletters. The dimension `source` says whether input was invalid (ingest-validation), Cosmos refused a document (store-rejected) or a message was poisoned (poison-queue).'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == "statmgr.messages.deadlettered"
| summarize DeadLettered = sum(valueSum)
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'DeadLettered'
          operator: 'GreaterThan'
          threshold: deadLetterThresholdPerHour
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

// Oldest message in status-messages older than N minutes. A missing sample counts as too old: if
// queue-monitor stops reporting (app down, identity broken) nobody is watching the queue either.
resource oldestMessage 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-oldest-message'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'statmgr: oldest queued message older than ${oldestMessageMinutes} min'
    description: 'The ingest function is not keeping up or not running (Cosmos down or throttled, app stopped). Messages are safe in the queue; check the function failures and Cosmos availability.'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == "statmgr.queue.oldest_message_age" and tostring(customDimensions["queue"]) == "status-messages"
| summarize AgeSeconds = max(valueMax)
| extend AgeSeconds = iff(isnull(AgeSeconds), 1.0e9, AgeSeconds)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'AgeSeconds'
          operator: 'GreaterThan'
          threshold: oldestMessageMinutes * 60
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

// Oldest message in the poison queue older than 2 days. The Functions host writes a poison copy with no TTL,
// so the service default of 7 days applies: a body the archiver cannot move to `deadletters` (its own
// failures) is deleted by Storage after 7 days. This leaves 5 days to act before anything is lost.
var poisonOldestHours = 48

resource poisonOldest 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-poison-oldest'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'statmgr: poison message older than ${poisonOldestHours} h (Storage deletes it at 7 days)'
    description: 'A message has waited in status-messages-poison for ${poisonOldestHours} hours: the poison archiver cannot move it to deadletters. The host wrote it with the default time-to-live of 7 days; after that Storage deletes it. Check the archive-poison logs, fix the cause, or copy the message out.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == "statmgr.queue.oldest_message_age" and tostring(customDimensions["queue"]) == "status-messages-poison"
| summarize AgeSeconds = max(valueMax)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'AgeSeconds'
          operator: 'GreaterThan'
          threshold: poisonOldestHours * 3600
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

// Function failures: Application Insights' standard `requests/failed` metric (one request per invocation).
resource functionFailures 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-function-failures'
  location: 'global'
  tags: tags
  properties: {
    description: 'Function invocations failed. Each failure is retried (transient) or dead-lettered; a burst usually means a dependency is down.'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'failed-requests'
          metricNamespace: 'microsoft.insights/components'
          metricName: 'requests/failed'
          operator: 'GreaterThan'
          threshold: functionFailureThreshold
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [for id in actionGroups: { actionGroupId: id }]
  }
}
