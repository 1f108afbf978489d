import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../../functions/shared/register';
import { describeError } from '../errors';
import type { Logger } from '../log';
import { contextLogHandler } from './context-log';

/** Largest request body accepted; larger ones get 413 before any handler runs. */
export const maxRequestBytes = 1024 * 1024;

interface Route {
  readonly definition: HttpFunctionDefinition;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

/** `agents/{site}/{machine}` becomes a pattern with named segments, matched under `/api/`. */
const compileRoute = (definition: HttpFunctionDefinition): Route => {
  const params: string[] = [];
  const source = definition.route
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\??\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { definition, pattern: new RegExp(`^/api/${source}/?$`, 'i'), params };
};

const keyMatches = (given: string | null, expected: string): boolean => {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

const readBody = async (request: IncomingMessage): Promise<Buffer | 'too-large'> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxRequestBytes) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
};

/**
 * The HTTP half of the local host: routes `/api/<route>` to the registered HTTP functions, builds the same
 * HttpRequest/InvocationContext objects the Functions runtime passes, and checks function keys
 * (`x-functions-key` header or `code` query parameter) for functions that are not anonymous.
 */
export const createHttpServer = (
  definitions: readonly HttpFunctionDefinition[],
  apiKey: string,
  log: Logger,
): Server => {
  const routes = definitions.map(compileRoute);
  return createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
      const method = (request.method ?? 'GET').toUpperCase();
      const matches = routes.filter((route) => route.pattern.test(url.pathname));
      if (matches.length === 0) return sendJson(response, 404, { error: `no function at ${url.pathname}` });
      const route = matches.find((candidate) => candidate.definition.methods.includes(method as never));
      if (!route) return sendJson(response, 405, { error: `${method} is not allowed on ${url.pathname}` });
      const { definition } = route;
      if (definition.authLevel !== 'anonymous') {
        const given = request.headers['x-functions-key'];
        const key = (Array.isArray(given) ? given[0] : given) ?? url.searchParams.get('code');
        if (!key)
          return sendJson(response, 401, { error: 'a function key is required (x-functions-key header)' });
        if (!keyMatches(key, apiKey))
          return sendJson(response, 403, { error: 'the function key is not valid' });
      }
      const body = await readBody(request);
      if (body === 'too-large') {
        return sendJson(response, 413, { error: `request body is larger than ${maxRequestBytes} bytes` });
      }
      const values = route.pattern.exec(url.pathname)?.slice(1) ?? [];
      const params = Object.fromEntries(
        route.params.map((name, i) => [name, decodeURIComponent(values[i] ?? '')]),
      );
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(', ') : (value ?? ''),
        ]),
      );
      const invocationId = randomUUID();
      const httpRequest = new HttpRequest({
        method,
        url: url.toString(),
        headers,
        params,
        query: Object.fromEntries(url.searchParams),
        ...(body.length > 0 ? { body: { bytes: body } } : {}),
      });
      const context = new InvocationContext({
        invocationId,
        functionName: definition.name,
        logHandler: contextLogHandler(log, definition.name, invocationId),
      });
      try {
        const result: HttpResponseInit | HttpResponse | void = await definition.handler(httpRequest, context);
        const reply = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
        const headersOut: Record<string, string> = {};
        reply.headers.forEach((value, name) => (headersOut[name] = value));
        response.writeHead(reply.status ?? 200, headersOut);
        response.end(Buffer.from(await reply.arrayBuffer()));
      } catch (error) {
        log.error('http function failed', {
          function: definition.name,
          invocationId,
          error: describeError(error),
        });
        sendJson(response, 500, { error: 'internal error', invocationId });
      }
    })().catch((error: unknown) => {
      log.error('http request failed', { error: describeError(error) });
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
    });
  });
};
