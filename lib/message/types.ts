export const severities = ['info', 'warning', 'error'] as const;
export type Severity = (typeof severities)[number];

export const messageTypes = ['milestone', 'detail', 'audit'] as const;
export type MessageType = (typeof messageTypes)[number];

/** A validated status message, normalized (SMS severity names mapped, messageType defaulted). */
export interface StatusMessage {
  id?: string;
  time: string;
  severity: Severity;
  messageId: number;
  component: string;
  site: string;
  machine: string;
  messageType: MessageType;
  module?: string;
  processId?: number;
  threadId?: number;
  insertionStrings?: string[];
  attributes?: Record<string, string | number>;
  text?: string;
}

/** The fields a sender sets on a status message (all but `id`): what the content hash covers. */
export const statusMessageFields = [
  'time',
  'severity',
  'messageId',
  'component',
  'site',
  'machine',
  'messageType',
  'module',
  'processId',
  'threadId',
  'insertionStrings',
  'attributes',
  'text',
] as const satisfies readonly (keyof StatusMessage)[];

/** The document stored in Cosmos `status-messages`: the message plus where it came from. */
export interface StoredStatusMessage extends StatusMessage {
  id: string;
  /** The envelope's batch id, or for a bare message the queue message id. */
  batchId: string;
  /** Position of the message inside its queue message (0 for a bare message). */
  position: number;
  /** The agent's sequence number of this message, when the envelope carried `seq`. */
  seq?: number;
  queueMessageId: string;
  enqueuedAt: string;
  storedAt: string;
  /** Seconds Cosmos keeps the document: its retention, from the status filter rules (docs/rules.md). */
  ttl?: number;
  /** false: a status filter rule left it out of the component summaries (absent: summarized). */
  summarize?: false;
  /** `contentHashOf` the sender's fields: a 409 with another hash is an id conflict, not a duplicate. */
  contentHash: string;
}

export interface Envelope {
  schema: 'statmgr/v1';
  batchId: string;
  site?: string;
  machine?: string;
  seq?: number;
  traceparent?: string;
  /** Position of messages[0] in the original batch (replays of one dead-lettered item). */
  offset?: number;
  /** Each item is checked on its own; a non-object item fails only itself. */
  /** Set by statmgr on a delayed copy after a transient failure: how many times it was handed back. */
  attempt?: number;
  messages: Record<string, unknown>[];
}
