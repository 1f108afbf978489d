import { readSiteMachines } from '../lib/summaries/read-summaries';
import { siteSummaryHandler } from './shared/site-summary';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/**
 * `GET /api/sites/{site}/machines`: the same counts per machine, plus the machines that have been silent for
 * STATMGR_SUMMARY_SILENT_MINUTES or longer.
 */
export const siteMachines: HttpFunctionDefinition = {
  kind: 'http',
  name: 'site-machines',
  route: 'sites/{site}/machines',
  methods: ['GET'],
  authLevel: 'function',
  handler: siteSummaryHandler(readSiteMachines),
};

registerHttpFunction(siteMachines);
