import type { Container } from '@azure/cosmos';
import { classifyCosmosError } from '../cosmos/cosmos-errors';
import { resetId, type SummaryReset } from './summary-documents';

/**
 * `POST /api/sites/{site}/components/{component}/reset`: the component's period starts now (the console's
 * "reset counts"). Its messages with an earlier `time` no longer count, those from now on do.
 */
export const resetComponent = async (
  summaries: Container,
  site: string,
  component: string,
  now: Date,
): Promise<SummaryReset> => {
  const reset: SummaryReset = {
    id: resetId(site, component),
    site,
    kind: 'reset',
    component,
    resetAt: now.toISOString(),
  };
  try {
    await summaries.items.upsert(reset);
  } catch (error) {
    throw classifyCosmosError(error, `resetting the counts of ${site}/${component}`);
  }
  return reset;
};
