import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../../lib/errors';
import type { StoredStatusMessage } from '../../lib/message/types';
import { postNotification, type DeliverDeps } from '../../lib/notify/deliver-notification';
import {
  notificationBody,
  notificationKey,
  notificationQueueText,
  parseNotification,
  replayNotificationText,
  signatureOf,
  type Notification,
} from '../../lib/notify/notification';

const message = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  severity: 'error',
} as unknown as StoredStatusMessage;

const aNotification = (url: string): Notification => ({
  kind: 'statmgr-notification',
  rule: 'page on errors',
  url,
  key: notificationKey('page on errors', message.id),
  message,
  attempt: 2,
  lastError: 'refused',
});

describe('notifications', () => {
  it('keys by rule and message id, and signs the body with HMAC-SHA256', () => {
    expect(notificationKey('page on errors', 'abc')).toBe('page%20on%20errors:abc');
    const body = notificationBody(aNotification('http://127.0.0.1:1/'));
    expect(JSON.parse(body)).toEqual({ rule: 'page on errors', message });
    const expected = createHmac('sha256', 's3cret').update(body).digest('hex');
    expect(signatureOf('s3cret', body)).toBe(`sha256=${expected}`);
  });

  it('POSTs the signed body with its Idempotency-Key, and fails on a non-2xx answer', async () => {
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    let status = 204;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const deps = { secret: 'k', allowedHosts: [], timeoutMs: 5000 } as unknown as DeliverDeps;
    try {
      await expect(postNotification(aNotification(url), deps)).resolves.toBe(204);
      const [first] = seen;
      expect(first!.headers['idempotency-key']).toBe(`page%20on%20errors:${message.id}`);
      expect(first!.headers['x-statmgr-signature']).toBe(signatureOf('k', first!.body));
      expect(first!.headers['x-statmgr-attempt']).toBe('3');
      status = 500;
      await expect(postNotification(aNotification(url), deps)).rejects.toThrow(/answered 500/);
      await expect(postNotification(aNotification(url), { ...deps, secret: undefined })).rejects.toThrow(
        /STATMGR_NOTIFY_SECRET/,
      );
      await expect(postNotification(aNotification('https://not-allowed.example/'), deps)).rejects.toThrow(
        /not in STATMGR_NOTIFY_ALLOWED_HOSTS/,
      );
      expect(seen).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it('keeps only the identifying fields of a message too large for a queue message', () => {
    const small = aNotification('http://127.0.0.1:1/');
    expect(notificationQueueText(small)).toBe(JSON.stringify(small));
    const huge = { ...small, message: { ...message, component: 'C', text: 'x'.repeat(70_000) } };
    const fitted = JSON.parse(notificationQueueText(huge)) as Notification;
    expect(fitted.message).toEqual({ id: message.id, severity: 'error', component: 'C', truncated: true });
    expect(fitted.key).toBe(small.key);
  });

  it('reads queued notifications strictly, and a replay resets the attempts', () => {
    const text = JSON.stringify(aNotification('http://127.0.0.1:1/'));
    expect(parseNotification(text).attempt).toBe(2);
    expect(() => parseNotification({ kind: 'x' })).toThrow(ValidationError);
    const replayed = JSON.parse(replayNotificationText(text)) as Notification;
    expect(replayed.attempt).toBe(0);
    expect(replayed.lastError).toBeUndefined();
    expect(replayed.key).toBe(aNotification('x').key);
    expect(() => replayNotificationText(text, { kind: 'statmgr-notification' })).toThrow(ValidationError);
  });
});
