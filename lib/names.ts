/** Names other tools, the Bicep templates and the tests rely on (DESIGN.md "Contracts"). */
export const names = {
  queue: 'status-messages',
  poisonQueue: 'status-messages-poison',
  database: 'statmgr',
  messagesContainer: 'status-messages',
  deadlettersContainer: 'deadletters',
  /** One summary document per agent (sequence ranges stored); partition key `/site`, `/machine`. */
  agentsContainer: 'agents',
  /** Component and machine summaries (issue 14): per-envelope count deltas, resets, presence; key `/site`. */
  summariesContainer: 'summaries',
  summariesPartitionKeyPath: '/site',
  /** Status filter rules (issue 15): one document holding the ordered list; partition key `/id`. */
  rulesContainer: 'rules',
  rulesPartitionKeyPath: '/id',
  /** Webhook deliveries of status filter rules, and their poison queue (the Functions host's naming). */
  notificationsQueue: 'status-notifications',
  notificationsPoisonQueue: 'status-notifications-poison',
  /** Hierarchical partition key of `status-messages`: all messages of one machine share a logical partition. */
  messagesPartitionKeyPaths: ['/site', '/machine'],
  deadlettersPartitionKeyPath: '/id',
  /** The app setting (connection name) for the Storage account that holds the queues. */
  storageConnection: 'StatusStorage',
  schemaVersion: 'statmgr/v1',
} as const;

export const limits = {
  /** Azure Storage Queue limit on one message body. */
  queueMessageBytes: 64 * 1024,
  maxMessagesPerEnvelope: 100,
  maxInsertionStrings: 10,
} as const;
