import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { HttpResponse, type HttpResponseInit } from '@azure/functions';
import { describeError } from '../errors';
import type { Logger } from '../log';
import { coreLogHandler } from './context-log';
import type { FunctionsCore, RegisteredFunction } from './functions-core';

/** Largest request body accepted; larger ones get 413 before any handler runs. */
export const maxRequestBytes = 1024 * 1024;

interface Route {
  readonly fn: RegisteredFunction;
  readonly methods: readonly string[];
  readonly authLevel: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

/** `agents/{site}/{machine}` becomes a pattern with named segments, matched under `/api/`. */
const compileRoute = (fn: RegisteredFunction): Route => {
  const params: string[] = [];
  const { route, methods, authLevel } = fn.trigger as {
    route?: unknown;
    methods?: unknown;
    authLevel?: unknown;
  };
  const source = (typeof route === 'string' ? route : fn.metadata.name)
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\??\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return {
    fn,
    methods: Array.isArray(methods) ? methods.map((method) => String(method).toUpperCase()) : ['GET', 'POST'],
    authLevel: typeof authLevel === 'string' ? authLevel : 'function',
    pattern: new RegExp(`^/api/${source}/?$`, 'i'),
    params,
  };
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

/** What the Functions host answers for a missing or wrong key: 401 with an empty body. */
const unauthorized = (response: ServerResponse): void => {
  response.writeHead(401, { 'content-length': '0' });
  response.end();
};

/**
 * The HTTP half of the local host: routes `/api/<route>` to the registered HTTP functions, passes the
 * request to the library as the host's RPC HTTP data (the library builds the HttpRequest and the
 * InvocationContext), and checks the function key (`x-functions-key` header or `code` query parameter) for
 * functions that are not anonymous.
 */
export const createHttpServer = (
  core: FunctionsCore,
  functions: readonly RegisteredFunction[],
  apiKey: string,
  log: Logger,
): Server => {
  const routes = functions.map(compileRoute);
  return createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
      const method = (request.method ?? 'GET').toUpperCase();
      const matches = routes.filter((route) => route.pattern.test(url.pathname));
      if (matches.length === 0) return sendJson(response, 404, { error: `no function at ${url.pathname}` });
      const route = matches.find((candidate) => candidate.methods.includes(method));
      if (!route) return sendJson(response, 405, { error: `${method} is not allowed on ${url.pathname}` });
      const name = route.fn.metadata.name;
      if (route.authLevel !== 'anonymous') {
        const given = request.headers['x-functions-key'];
        const key = (Array.isArray(given) ? given[0] : given) ?? url.searchParams.get('code');
        if (!keyMatches(key ?? null, apiKey)) return unauthorized(response);
      }
      const body = await readBody(request);
      if (body === 'too-large') {
        return sendJson(response, 413, { error: `request body is larger than ${maxRequestBytes} bytes` });
      }
      const values = route.pattern.exec(url.pathname)?.slice(1) ?? [];
      const params = Object.fromEntries(
        route.params.map((param, i) => [param, decodeURIComponent(values[i] ?? '')]),
      );
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([header, value]) => [
          header,
          Array.isArray(value) ? value.join(', ') : (value ?? ''),
        ]),
      );
      const invocationId = randomUUID();
      const http = {
        method,
        url: url.toString(),
        headers,
        params,
        query: Object.fromEntries(url.searchParams),
        body: { bytes: body },
      };
      try {
        const result = (await core.invoke(
          route.fn,
          invocationId,
          { http },
          {},
          coreLogHandler(log, name, invocationId),
        )) as HttpResponseInit | HttpResponse | undefined;
        const reply = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
        const headersOut: Record<string, string> = {};
        reply.headers.forEach((value, header) => (headersOut[header] = value));
        response.writeHead(reply.status ?? 200, headersOut);
        response.end(Buffer.from(await reply.arrayBuffer()));
      } catch (error) {
        log.error('http function failed', {
          function: name,
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
