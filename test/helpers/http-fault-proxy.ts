import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest } from 'node:http';
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  Server,
  ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { freePort } from '../../lib/local/free-port';
import { sleep } from '../../lib/util/sleep';

/**
 * An HTTP-level fault, unlike the TCP proxy's refuse/black-hole (test/helpers/fault-proxy.ts):
 * - `http`: answer `status` with `headers` (and a JSON body naming the fault) instead of forwarding, after
 *   `delayMs`, like a struggling service (429 with `x-ms-retry-after-ms`, 503, 413);
 * - `slow`: forward, but only after `delayMs` (a slow response).
 * `match` limits the fault to some requests (default all); `times` to the first n matching ones (default all).
 */
export type HttpFault =
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly delayMs?: number;
      readonly match?: (request: ProxiedRequest) => boolean;
      readonly times?: number;
    }
  | {
      readonly kind: 'slow';
      /** A number, or a function drawn per request (to spread the answers out). */
      readonly delayMs: number | (() => number);
      readonly match?: (request: ProxiedRequest) => boolean;
      readonly times?: number;
    };

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What a strict check answers instead of forwarding: the status, a body, and the Cosmos sub-status. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly subStatus?: number;
}

/**
 * Looks at a request before it is forwarded (`refuse` answers it instead), at the operations of a request
 * whose body is a JSON array answered with one result per operation (`refuseOperations`: the operations to
 * answer 400 on their own; the others are forwarded), and at the answer (`refuseResponse` may replace it).
 */
/** An answer from the target (or one made up in its place). */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RequestCheck {
  refuse(request: ProxiedRequest): Refusal | undefined;
  /**
   * May replace the target's answer; `send` reaches the target directly (e.g. to undo what a request did).
   * Runs after refuseResponse.
   */
  reviseAnswer?(
    request: ProxiedRequest,
    answer: Answer,
    send: (request: ProxiedRequest) => Promise<Answer>,
  ): Promise<Answer | undefined>;
  refuseOperations?(request: ProxiedRequest): ReadonlyMap<number, string> | undefined;
  refuseResponse?(request: ProxiedRequest, status: number, body: Buffer): Refusal | undefined;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
  /** The status the client got, and whether the proxy made it up (a fault or a refusal). */
  status: number;
  answeredBy: 'target' | 'fault' | 'check';
  /** For a Cosmos batch or bulk request: how many operations it carried. */
  readonly operations?: number;
}

export interface HttpFaultProxy {
  readonly port: number;
  readonly url: string;
  /** Every request seen, in arrival order (method, path, time, answer). */
  readonly log: readonly LoggedRequest[];
  /** The refusals of the check, with their reasons. */
  readonly refusals: readonly { readonly path: string; readonly message: string }[];
  /** The most requests matching `countInFlight`'s filter that were open at once since it was called. */
  readonly maxInFlight: number;
  /** Starts counting concurrently open requests that match (resets maxInFlight). */
  countInFlight(match: (request: ProxiedRequest) => boolean): void;
  setFault(fault: HttpFault | undefined): void;
  close(): Promise<void>;
}

/** A request or answer body as JSON, or undefined when it is not JSON. */
export const parsedBody = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
};

const cosmosEmulatorRoot = dirname(require.resolve('@vercel/cosmosdb-server/package.json'));

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

const forwardedHeaders = (headers: IncomingHttpHeaders, length: number): OutgoingHttpHeaders => {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!hopByHop.has(name)) out[name] = value;
  out['content-length'] = String(length);
  return out;
};

const readBody = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });

const answerWith = (
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: unknown,
): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-ms-request-charge': '0',
    ...headers,
  });
  res.end(text);
};

/**
 * A reverse proxy on a free 127.0.0.1 port in front of an HTTP (Azurite) or HTTPS (the Cosmos emulator)
 * service on `targetPort`. It forwards every request unless a fault is set or the check refuses it. For
 * HTTPS it terminates TLS with the Cosmos emulator's own self-signed certificate, which clients of the
 * emulator already accept. Bodies are buffered (test traffic only).
 */
export const startHttpFaultProxy = async (options: {
  readonly targetPort: number;
  readonly tls: boolean;
  readonly check?: RequestCheck;
}): Promise<HttpFaultProxy> => {
  const port = await freePort();
  const log: LoggedRequest[] = [];
  const refusals: { path: string; message: string }[] = [];
  let fault: HttpFault | undefined;
  let faultUses = 0;
  let inFlightMatch: ((request: ProxiedRequest) => boolean) | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const agent = options.tls
    ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: false })
    : new HttpAgent({ keepAlive: true });

  const refuse = (res: ServerResponse, entry: LoggedRequest, refusal: Refusal): void => {
    entry.status = refusal.status;
    entry.answeredBy = 'check';
    refusals.push({ path: entry.path, message: refusal.message });
    answerWith(
      res,
      refusal.status,
      refusal.subStatus === undefined ? {} : { 'x-ms-substatus': String(refusal.subStatus) },
      { code: 'BadRequest', message: refusal.message },
    );
  };

  const takeFault = (request: ProxiedRequest): HttpFault | undefined => {
    if (!fault || (fault.match && !fault.match(request))) return undefined;
    if (fault.times !== undefined && faultUses >= fault.times) return undefined;
    faultUses += 1;
    return fault;
  };

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    count: (request: ProxiedRequest) => void,
  ): Promise<void> => {
    const body = await readBody(req);
    const request: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
    };
    count(request);
    const entry: LoggedRequest = {
      method: request.method,
      path: request.path,
      headers: request.headers,
      at: Date.now(),
      status: 0,
      answeredBy: 'target',
      ...(request.headers['x-ms-cosmos-is-batch-request'] === 'true'
        ? { operations: (parsedBody(body) as unknown[] | undefined)?.length }
        : {}),
    };
    log.push(entry);
    const active = takeFault(request);
    if (active) await sleep(typeof active.delayMs === 'function' ? active.delayMs() : (active.delayMs ?? 0));
    if (active?.kind === 'http') {
      entry.status = active.status;
      entry.answeredBy = 'fault';
      answerWith(res, active.status, active.headers ?? {}, {
        code: String(active.status),
        message: `fault proxy: answering ${active.status} instead of forwarding`,
      });
      return;
    }
    const refusal = options.check?.refuse(request);
    if (refusal) return refuse(res, entry, refusal);
    const refusedOperations = options.check?.refuseOperations?.(request);
    if (refusedOperations && refusedOperations.size > 0) {
      return forwardSome(res, entry, request, refusedOperations);
    }
    const first = await forward(request, body);
    const late = options.check?.refuseResponse?.(request, first.status, first.body);
    if (late) return refuse(res, entry, late);
    const revised = await options.check?.reviseAnswer?.(request, first, (extra) =>
      forward(extra, extra.body),
    );
    if (revised) entry.answeredBy = 'check';
    const { status, headers, body: answerBody } = revised ?? first;
    entry.status = status;
    res.writeHead(status, forwardedHeaders(headers, answerBody.length));
    res.end(answerBody);
  };

  const forward = (
    request: ProxiedRequest,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const send = options.tls ? httpsRequest : httpRequest;
      const upstream = send({
        host: '127.0.0.1',
        port: options.targetPort,
        method: request.method,
        path: request.path,
        headers: forwardedHeaders(request.headers, body.length),
        agent,
      });
      upstream.once('error', reject);
      upstream.once('response', (answer) => {
        readBody(answer).then(
          (answerBody) =>
            resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: answerBody }),
          reject,
        );
      });
      upstream.end(body);
    });

  /** Forwards the operations not refused and answers the refused ones 400 in their places. */
  const forwardSome = async (
    res: ServerResponse,
    entry: LoggedRequest,
    request: ProxiedRequest,
    refused: ReadonlyMap<number, string>,
  ): Promise<void> => {
    const operations = JSON.parse(request.body.toString('utf8')) as unknown[];
    const kept = operations.filter((_, index) => !refused.has(index));
    for (const message of refused.values()) refusals.push({ path: request.path, message });
    let results: unknown[] = [];
    let status = 200;
    let headers: IncomingHttpHeaders = { 'content-type': 'application/json' };
    if (kept.length > 0) {
      const answer = await forward(request, Buffer.from(JSON.stringify(kept)));
      if (answer.status >= 300) {
        entry.status = answer.status;
        res.writeHead(answer.status, forwardedHeaders(answer.headers, answer.body.length));
        res.end(answer.body);
        return;
      }
      ({ status, headers } = answer);
      results = JSON.parse(answer.body.toString('utf8')) as unknown[];
    }
    const merged = operations.map((_, index) =>
      refused.has(index)
        ? { statusCode: 400, subStatusCode: 1001, requestCharge: 0, message: refused.get(index) }
        : results.shift(),
    );
    const text = Buffer.from(JSON.stringify(merged));
    entry.status = status;
    entry.answeredBy = 'check';
    res.writeHead(status, forwardedHeaders(headers, text.length));
    res.end(text);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let counted = false;
    const count = (request: ProxiedRequest): void => {
      if (!inFlightMatch?.(request)) return;
      counted = true;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
    };
    res.once('close', () => {
      if (counted) inFlight -= 1;
    });
    handle(req, res, count).catch(() => res.destroy());
  };
  const server: Server = options.tls
    ? createHttpsServer(
        {
          cert: readFileSync(join(cosmosEmulatorRoot, 'cert.pem')),
          key: readFileSync(join(cosmosEmulatorRoot, 'key.pem')),
          keepAlive: true,
        },
        onRequest,
      )
    : createHttpServer({ keepAlive: true }, onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    port,
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    log,
    refusals,
    get maxInFlight() {
      return maxInFlight;
    },
    countInFlight(match: (request: ProxiedRequest) => boolean): void {
      inFlightMatch = match;
      maxInFlight = inFlight = 0;
    },
    setFault(next: HttpFault | undefined): void {
      fault = next;
      faultUses = 0;
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
};
