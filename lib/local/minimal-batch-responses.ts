import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/** A transactional batch that asked Cosmos not to echo the documents (`contentResponseOnWriteEnabled: false`). */
const isMinimalBatch = (request: IncomingMessage): boolean =>
  request.method === 'POST' &&
  String(request.headers['x-ms-cosmos-is-batch-request']).toLowerCase() === 'true' &&
  String(request.headers.prefer).toLowerCase() === 'return=minimal';

/** The operation results without their documents, as Cosmos DB answers such a batch. */
const withoutDocuments = (body: string): string => {
  try {
    const results = JSON.parse(body) as unknown;
    if (!Array.isArray(results)) return body;
    return JSON.stringify(
      results.map((result: unknown) => {
        if (typeof result !== 'object' || result === null) return result;
        const { resourceBody: _dropped, ...rest } = result as Record<string, unknown>;
        return rest;
      }),
    );
  } catch {
    return body;
  }
};

/**
 * Makes the Cosmos emulator answer a transactional batch sent with `Prefer: return=minimal` as Cosmos DB
 * does: status and charge per operation, no documents. @vercel/cosmosdb-server echoes every document (about
 * 60 KB for an envelope's 100), which the ingest would then receive and parse on every write, work it never
 * does against Cosmos DB. Wraps the emulator's request handler; every other request is untouched.
 */
export const answerMinimalBatches = (server: Server): void => {
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (isMinimalBatch(request)) {
      const end = response.end.bind(response) as (chunk?: unknown) => ServerResponse;
      response.end = ((chunk?: unknown) =>
        end(typeof chunk === 'string' ? withoutDocuments(chunk) : chunk)) as ServerResponse['end'];
    }
    for (const handler of handlers) handler(request, response);
  });
};
