import { readSiteComponents } from '../lib/summaries/read-summaries';
import { siteSummaryHandler } from './shared/site-summary';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/**
 * `GET /api/sites/{site}/components`: per component, the info, warning and error messages of the threshold
 * period, the status they give under the thresholds that apply, and the last message's time.
 */
export const siteComponents: HttpFunctionDefinition = {
  kind: 'http',
  name: 'site-components',
  route: 'sites/{site}/components',
  methods: ['GET'],
  authLevel: 'function',
  handler: siteSummaryHandler(readSiteComponents),
};

registerHttpFunction(siteComponents);
