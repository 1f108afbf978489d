import { TooLargeError, ValidationError } from '../errors';
import { compileRequestCheck, uuidSchema } from '../message/validate';
import { replayDeadLetter, type ReplayDeps, type ReplayOutcome } from './replay-dead-letter';

/** Replay these dead letters as they are, or one of them with a corrected body. */
export interface ReplayRequest {
  readonly ids: readonly string[];
  /** The corrected body or item: JSON text (plain or base64) or the JSON value itself. Only with one id. */
  readonly corrected?: unknown;
}

export const maxReplayIds = 100;

const replayRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ids: { type: 'array', minItems: 1, maxItems: maxReplayIds, uniqueItems: true, items: uuidSchema },
    id: uuidSchema,
    corrected: {},
  },
} as const;

const checkBody = compileRequestCheck<{ ids?: string[]; id?: string; corrected?: unknown }>(
  replayRequestSchema,
  'body',
);

/** `{ "ids": [...] }` or `{ "id": "...", "corrected": ... }`; throws ValidationError naming each problem. */
export const parseReplayRequest = (body: unknown): ReplayRequest => {
  if (body === undefined) {
    throw new ValidationError([
      'body: is required: { "ids": [uuid, ...] } or { "id": uuid, "corrected": ... }',
    ]);
  }
  const checked = checkBody(body);
  if (!checked.ok) throw new ValidationError(checked.reasons);
  const { ids, id, corrected } = checked.value;
  if ((ids === undefined) === (id === undefined)) {
    throw new ValidationError([
      'body: give either "ids" (a list of dead letter ids) or "id", not both or neither',
    ]);
  }
  if (corrected !== undefined && id === undefined) {
    throw new ValidationError(['body.corrected: goes with a single "id", not with "ids"']);
  }
  return { ids: ids ?? [id!], ...(corrected === undefined ? {} : { corrected }) };
};

export type ReplayResult =
  | ReplayOutcome
  | {
      readonly id: string;
      readonly result: 'rejected';
      readonly reasons: readonly string[];
      readonly tooLarge: boolean;
    };

/**
 * Replays each id in turn (at most 100). A body that would still be rejected is reported per id as
 * `rejected` with its reasons, and nothing is enqueued for it.
 */
export const replayDeadLetters = async (
  deps: ReplayDeps,
  request: ReplayRequest,
): Promise<ReplayResult[]> => {
  const results: ReplayResult[] = [];
  for (const id of request.ids) {
    try {
      results.push(await replayDeadLetter(deps, id.toLowerCase(), request.corrected));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      results.push({
        id,
        result: 'rejected',
        reasons: error.reasons,
        tooLarge: error instanceof TooLargeError,
      });
    }
  }
  return results;
};
