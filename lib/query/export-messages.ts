import type { Container } from '@azure/cosmos';
import type { ExportFormat, MessageQuery } from './message-query';
import { allPages, type MessageItem } from './query-messages';

/** An export stops after this many rows (docs/viewer.md): narrow the filters or the time range for more. */
export const exportMaxRows = 100_000;
/** Page size of an export when the request gives no `limit`. */
export const exportPageSize = 1000;

export const csvColumns = [
  'time',
  'severity',
  'messageType',
  'site',
  'machine',
  'component',
  'messageId',
  'description',
  'module',
  'processId',
  'threadId',
  'insertionStrings',
  'attributes',
  'text',
  'id',
  'batchId',
  'position',
  'seq',
  'enqueuedAt',
  'storedAt',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A text that a spreadsheet
 * would run as a formula (starting with = + - @ or a tab/CR) gets a leading `'` (OWASP CSV injection).
 */
export const csvField = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'string') text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const csvRow = (item: MessageItem): string =>
  csvColumns.map((column) => csvField((item as unknown as Record<string, unknown>)[column])).join(',') +
  '\r\n';

export const exportContentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

const lineOf = (format: ExportFormat, item: MessageItem): string =>
  format === 'csv' ? csvRow(item) : `${JSON.stringify(item)}\n`;

/**
 * The rows of every page of the query, as text chunks (one per page), CSV with a header row or JSON lines,
 * at most `exportMaxRows` rows. The first page is fetched before this returns, so that a bad continuation or
 * a Cosmos outage is still an HTTP error (400, 503) rather than a cut-off download.
 */
export const exportMessages = async (
  container: Container,
  query: MessageQuery,
  format: ExportFormat,
  maxRows = exportMaxRows,
): Promise<AsyncIterable<string>> => {
  const pages = allPages(container, query);
  const first = await pages.next();
  return (async function* () {
    if (format === 'csv') yield csvColumns.join(',') + '\r\n';
    let rows = 0;
    let next = first;
    while (!next.done && rows < maxRows) {
      const items = next.value.items.slice(0, maxRows - rows);
      rows += items.length;
      if (items.length > 0) yield items.map((item) => lineOf(format, item)).join('');
      if (rows >= maxRows) break;
      next = await pages.next();
    }
    await pages.return(undefined);
  })();
};
