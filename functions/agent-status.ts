import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { checkAgentParams, readAgentStatus } from '../lib/agent-status/agent-status';
import { ValidationError } from '../lib/errors';
import { getRuntime } from '../lib/runtime';
import { failsWithError } from './shared/function-app';
import { answer } from './shared/http-io';

const gapAgeOf = (request: HttpRequest, fallback: number): number => {
  const raw = request.query.get('gapAgeSeconds');
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new ValidationError(['gapAgeSeconds: must be a whole number of seconds']);
  return Number(raw);
};

/**
 * `GET /api/agents/{site}/{machine}[?gapAgeSeconds=N]`: the sequence numbers stored for one agent, the highest
 * contiguous one, and the gaps older than the gap age (STATMGR_AGENT_GAP_AGE_SECONDS). 404 for an unknown agent.
 */
export const agentStatusFunction = async (request: HttpRequest): Promise<HttpResponseInit> => {
  const runtime = getRuntime();
  let site: string;
  let machine: string;
  let gapAge: number;
  try {
    [site, machine] = checkAgentParams(request.params.site, request.params.machine);
    gapAge = gapAgeOf(request, runtime.config.agentGapAgeSeconds);
  } catch (error) {
    if (error instanceof ValidationError) return { status: 400, jsonBody: { errors: error.reasons } };
    throw error;
  }
  // Cosmos down or throttling: 503 with retry-after (answer), not a 500.
  return answer(async () => {
    const status = await readAgentStatus(runtime.containers.agents, site, machine, runtime.now(), gapAge);
    if (!status)
      return { status: 404, jsonBody: { error: `no numbered messages stored for ${site}/${machine}` } };
    return { status: 200, jsonBody: status };
  });
};

app.http('agent-status', {
  route: 'agents/{site}/{machine}',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(agentStatusFunction),
});
