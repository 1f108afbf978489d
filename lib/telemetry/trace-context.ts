import { TraceFlags, isSpanContextValid, type SpanContext } from '@opentelemetry/api';
import { decodeBody } from '../message/decode-body';

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The span context a W3C `traceparent` header names, or undefined when it is absent or malformed. */
export const spanContextOf = (traceparent: string | undefined): SpanContext | undefined => {
  const match = traceparent ? traceparentPattern.exec(traceparent.trim().toLowerCase()) : null;
  if (!match || match[1] === 'ff') return undefined;
  const spanContext: SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: Number.parseInt(match[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
};

/** What telemetry needs from a queue message body: the agent's trace context and the envelope's site. */
export interface BodyFacts {
  readonly traceparent: string | undefined;
  readonly site: string;
}

/**
 * Reads `traceparent` and `site` from a queue message body without validating it (the ingest does that).
 * Never throws: an unreadable body has no trace context and site `unknown`.
 */
export const bodyFactsOf = (payload: unknown): BodyFacts => {
  let body: unknown;
  try {
    body = decodeBody(payload);
  } catch {
    return { traceparent: undefined, site: 'unknown' };
  }
  if (typeof body !== 'object' || body === null) return { traceparent: undefined, site: 'unknown' };
  const { traceparent, site } = body as { traceparent?: unknown; site?: unknown };
  return {
    traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    site: typeof site === 'string' && site.length > 0 && site.length <= 16 ? site : 'unknown',
  };
};
