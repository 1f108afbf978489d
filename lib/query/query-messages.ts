import type { Container, FeedOptions } from '@azure/cosmos';
import { classifyCosmosError } from '../cosmos/cosmos-errors';
import { PermanentError } from '../errors';
import type { StoredStatusMessage } from '../message/types';
import { buildMessageQuery, type CosmosMessageQuery } from './build-message-query';
import { badContinuation, decodeContinuation, encodeContinuation } from './continuation';
import { describeMessage } from './describe-message';
import type { MessageQuery } from './message-query';

/** A stored status message as the API answers it: the stored fields (no Cosmos `_` fields) and `description`. */
export type MessageItem = StoredStatusMessage & { readonly description: string };

export interface MessagePage {
  readonly items: readonly MessageItem[];
  /** Pass as `continuation` for the next page; null on the last page. */
  readonly continuation: string | null;
}

/** A page can come back empty while more follow (a filtered cross-partition query); so many are skipped. */
const maxEmptyPages = 20;

export const toItem = (document: StoredStatusMessage): MessageItem => {
  const clean = Object.fromEntries(
    Object.entries(document).filter(([key]) => !key.startsWith('_')),
  ) as unknown as StoredStatusMessage;
  return { ...clean, description: describeMessage(clean) };
};

const fetchPage = async (
  container: Container,
  cosmosQuery: CosmosMessageQuery,
  limit: number,
  continuation: string | undefined,
): Promise<MessagePage> => {
  let token = continuation === undefined ? undefined : decodeContinuation(cosmosQuery, continuation);
  try {
    for (let round = 0; ; round += 1) {
      const options: FeedOptions = {
        maxItemCount: limit,
        ...(cosmosQuery.partitionKey === undefined ? {} : { partitionKey: cosmosQuery.partitionKey }),
        ...(token === undefined ? {} : { continuationToken: token }),
      };
      const page = await container.items
        .query<StoredStatusMessage>({ query: cosmosQuery.query, parameters: cosmosQuery.parameters }, options)
        .fetchNext();
      token = page.continuationToken;
      if (page.resources.length > 0 || !token || round >= maxEmptyPages) {
        return {
          items: page.resources.map(toItem),
          continuation: token ? encodeContinuation(cosmosQuery, token) : null,
        };
      }
    }
  } catch (error) {
    const classified = classifyCosmosError(error, 'querying status messages');
    // A forged or stale Cosmos token inside a well-formed API token is the caller's mistake, not an outage.
    if (continuation !== undefined && classified instanceof PermanentError)
      throw badContinuation('is not valid (any more)');
    throw classified;
  }
};

/** One page of status messages, newest first by `time`. */
export const queryMessages = async (container: Container, query: MessageQuery): Promise<MessagePage> =>
  fetchPage(container, buildMessageQuery(query), query.limit, query.continuation);

/** Every page of the query from `query.continuation` on, lazily: the next page is fetched when it is needed. */
export async function* allPages(container: Container, query: MessageQuery): AsyncGenerator<MessagePage> {
  const cosmosQuery = buildMessageQuery(query);
  let continuation = query.continuation;
  do {
    const page = await fetchPage(container, cosmosQuery, query.limit, continuation);
    yield page;
    continuation = page.continuation ?? undefined;
  } while (continuation !== undefined);
}

/** One stored message by its key, or undefined. */
export const getMessage = async (
  container: Container,
  site: string,
  machine: string,
  id: string,
): Promise<MessageItem | undefined> => {
  try {
    const { resource } = await container.item(id, [site, machine]).read<StoredStatusMessage>();
    // The emulator honours only the first level of the key: check the second one here.
    if (!resource || resource.site !== site || resource.machine !== machine) return undefined;
    return toItem(resource);
  } catch (error) {
    throw classifyCosmosError(error, `reading status message ${site}/${machine}/${id}`);
  }
};
