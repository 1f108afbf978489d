/**
 * Names of statmgr's OpenTelemetry instruments. In Application Insights they are rows of `customMetrics`
 * (`name`, `valueSum`, `valueCount`, `valueMax`, `customDimensions`); the alerts in infra/modules/alerts.bicep,
 * the workbook and the README's KQL use these names, and test/infra checks that they agree.
 */
export const metricNames = {
  /** Status messages written to Cosmos `status-messages` (attribute `site`: the envelope's site). */
  stored: 'statmgr.messages.stored',
  /** Status messages already stored by an earlier delivery (409 on create): suppressed duplicates. */
  duplicates: 'statmgr.messages.duplicates',
  /** Items written to `deadletters` (attribute `source`: ingest-validation, store-rejected, poison-queue,
   * id-conflict: a message whose id is already stored with different content). */
  deadLettered: 'statmgr.messages.deadlettered',
  /** Valid status messages a status filter rule discarded (`store: false`): taken in, not written. */
  discarded: 'statmgr.messages.discarded',
  /** Webhook notifications of status filter rules (attribute `result`: queued, delivered, retry-later). */
  notifications: 'statmgr.notifications',
  /** Queue messages put back on the queue because a dependency was down (never dead-lettered). */
  requeued: 'statmgr.messages.requeued',
  /** Poison-queue messages the poison archiver moved to `deadletters`. */
  poisonArchived: 'statmgr.poison.archived',
  /** Status messages per queue message (histogram). */
  batchSize: 'statmgr.ingest.batch_size',
  /** From the queue message's insertion time to its commit in Cosmos, ms (histogram). */
  lag: 'statmgr.ingest.lag',
  /** Cosmos request units per status message written or found already written (histogram). */
  requestChargePerMessage: 'statmgr.cosmos.request_charge_per_message',
  /** Approximate number of messages in a queue (gauge, attribute `queue`). */
  queueDepth: 'statmgr.queue.depth',
  /** Age of the message at the front of a queue, seconds; 0 when empty (gauge, attribute `queue`). */
  oldestMessageAge: 'statmgr.queue.oldest_message_age',
} as const;

/** The span for one queue message, linked to the agent's trace context (`traceparent` in the envelope). */
export const ingestSpanName = 'process status-messages';
