import { app } from '@azure/functions';
import { readSiteComponents } from '../lib/summaries/read-summaries';
import { siteSummaryHandler } from './shared/site-summary';
import { failsWithError } from './shared/function-app';

/**
 * `GET /api/sites/{site}/components`: per component, the info, warning and error messages of the threshold
 * period, the status they give under the thresholds that apply, and the last message's time.
 */
export const siteComponentsFunction = siteSummaryHandler(readSiteComponents);

app.http('site-components', {
  route: 'sites/{site}/components',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(siteComponentsFunction),
});
