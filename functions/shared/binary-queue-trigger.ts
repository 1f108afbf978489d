import { trigger, type FunctionTrigger } from '@azure/functions';
import { names } from '../../lib/names';

/**
 * A storage queue trigger whose handler receives the message body as bytes (a Buffer), exactly as the queue
 * held it (after messageEncoding), instead of a value the library JSON-parsed (`1e400` as null, integers
 * above 2^53 changed). `trigger.storageQueue` has no `dataType` option in @azure/functions 4.x
 * (azure-functions-nodejs-library issue 72); a generic trigger passes it through to the host, which binds the
 * trigger to byte[] (see docs/dead-letters.md, "Raw bodies", for the path through the host and worker).
 */
export const binaryQueueTrigger = (queueName: string): FunctionTrigger =>
  trigger.generic({
    type: 'queueTrigger',
    queueName,
    connection: names.storageConnection,
    dataType: 'binary',
  });
