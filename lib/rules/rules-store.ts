import type { Container } from '@azure/cosmos';
import { classifyCosmosError, cosmosStatusOf } from '../cosmos/cosmos-errors';
import type { StatusFilterRule } from './rule-types';

/** The one document of the `rules` container that holds the ordered list. */
export const rulesDocumentId = 'status-filter-rules';

/** The etag `GET /api/rules` answers while no rules were ever stored; `If-Match: none` then creates them. */
export const noRulesEtag = 'none';

interface RulesDocument {
  readonly id: string;
  readonly rules: StatusFilterRule[];
  readonly updatedAt: string;
}

export interface StoredRules {
  readonly rules: readonly StatusFilterRule[];
  readonly etag: string;
}

/** Reads the rule list and its etag; no document yet: no rules, etag `none`. Transient errors are thrown. */
export const readRules = async (container: Container): Promise<StoredRules> => {
  try {
    const { resource, etag } = await container.item(rulesDocumentId, rulesDocumentId).read<RulesDocument>();
    if (!resource) return { rules: [], etag: noRulesEtag };
    return { rules: resource.rules, etag: etag ?? resource._etag ?? '' };
  } catch (error) {
    if (cosmosStatusOf(error) === 404) return { rules: [], etag: noRulesEtag };
    throw classifyCosmosError(error, 'reading the status filter rules');
  }
};

/**
 * Replaces the rule list if it is still the version `ifMatch` names (the etag a read answered): `stale`
 * when someone changed it since (or created it, for `none`). The rules must be validated first.
 */
export const replaceRules = async (
  container: Container,
  rules: readonly StatusFilterRule[],
  ifMatch: string,
  now: Date,
): Promise<StoredRules | 'stale'> => {
  const document: RulesDocument = { id: rulesDocumentId, rules: [...rules], updatedAt: now.toISOString() };
  try {
    const response =
      ifMatch === noRulesEtag
        ? await container.items.create(document)
        : await container
            .item(rulesDocumentId, rulesDocumentId)
            .replace(document, { accessCondition: { type: 'IfMatch', condition: ifMatch } });
    return { rules: document.rules, etag: response.etag ?? '' };
  } catch (error) {
    const status = cosmosStatusOf(error);
    if (status === 409 || status === 412 || status === 404) return 'stale';
    throw classifyCosmosError(error, 'storing the status filter rules');
  }
};
