import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { exportContentTypes, exportMessages, exportPageSize } from '../lib/query/export-messages';
import { parseMessageQuery } from '../lib/query/message-query';
import { queryMessages } from '../lib/query/query-messages';
import { getRuntime } from '../lib/runtime';
import { answer, queryOf, streamOf } from './shared/http-io';
import { failsWithError } from './shared/function-app';

/**
 * `GET /api/status-messages?site=&machine=&component=&severity=&messageId=&messageType=&since=&until=&limit=
 * &continuation=`: stored status messages, newest first, one page per call (`{ items, continuation }`).
 * With `format=csv` or `format=jsonl`: every page of the same query as a download (docs/viewer.md, capped).
 */
export const queryStatusMessagesFunction = async (request: HttpRequest): Promise<HttpResponseInit> =>
  answer(async () => {
    const raw = queryOf(request, ['severity']);
    const query = parseMessageQuery(raw);
    const { messages } = getRuntime().containers;
    if (query.format === undefined) return { status: 200, jsonBody: await queryMessages(messages, query) };
    const rows = await exportMessages(
      messages,
      { ...query, limit: raw.limit === undefined ? exportPageSize : query.limit },
      query.format,
    );
    return {
      status: 200,
      headers: {
        'content-type': exportContentTypes[query.format],
        'content-disposition': `attachment; filename="status-messages.${query.format}"`,
        'cache-control': 'no-store',
      },
      body: streamOf(rows),
    };
  });

app.http('query-status-messages', {
  route: 'status-messages',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(queryStatusMessagesFunction),
});
