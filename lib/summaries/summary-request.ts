import { ValidationError } from '../errors';

/** A site code as the message schema allows it (Cosmos forbids / \ ? # in keys). */
const sitePattern = /^[^/\\?#\u0000-\u001f\u007f]{1,255}$/;
/** A component name as the message schema allows it (1 to 128 characters); no control characters. */
const componentPattern = /^[^\u0000-\u001f\u007f]{1,128}$/;

/**
 * The route parameters and query of a summary request, validated: each broken rule is one reason naming the
 * parameter. These endpoints take no query parameters, so any given is an error rather than ignored.
 */
export const checkSummaryRequest = (
  params: { readonly site?: string; readonly component?: string },
  query: Readonly<Record<string, string>>,
  withComponent: boolean,
): { site: string; component: string } => {
  const reasons: string[] = [];
  const site = params.site ?? '';
  const component = params.component ?? '';
  if (!sitePattern.test(site)) reasons.push('site: must be 1-255 characters without / \\ ? # or controls');
  if (withComponent && !componentPattern.test(component))
    reasons.push('component: must be 1-128 characters without controls');
  for (const name of Object.keys(query))
    reasons.push(`query.${name}: unknown parameter; this endpoint takes none`);
  if (reasons.length > 0) throw new ValidationError(reasons);
  return { site, component };
};
