import { app } from '@azure/functions';
import { readSiteMachines } from '../lib/summaries/read-summaries';
import { siteSummaryHandler } from './shared/site-summary';
import { failsWithError } from './shared/function-app';

/**
 * `GET /api/sites/{site}/machines`: the same counts per machine, plus the machines that have been silent for
 * STATMGR_SUMMARY_SILENT_MINUTES or longer.
 */
export const siteMachinesFunction = siteSummaryHandler(readSiteMachines);

app.http('site-machines', {
  route: 'sites/{site}/machines',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(siteMachinesFunction),
});
