import { ApiError, callJson } from './api.js';
import { byId, el, shortTime } from './dom.js';
import type { Filters } from './filters.js';

/**
 * The summary tab, built on the component summary API (issue 14): `GET /api/sites`, then
 * `GET /api/sites/{site}/components`. Rows open the message list filtered to that site (and component).
 * When the API is not there (404), the tab says so instead of failing.
 */
interface SiteSummary {
  site: string;
  status?: string;
  worstStatus?: string;
  components?: number;
  componentCount?: number;
  lastMessageAt?: string | null;
}

interface ComponentSummary {
  component: string;
  counts: { info: number; warning: number; error: number };
  status: string;
  lastMessageAt?: string | null;
}

const itemsOf = <T>(answer: T[] | { items?: T[]; sites?: T[] }): T[] =>
  Array.isArray(answer) ? answer : (answer.items ?? answer.sites ?? []);

const statusCell = (status: string | undefined): HTMLTableCellElement =>
  el('td', { class: `status-${status ?? 'unknown'}` }, status ?? 'unknown');

const openRow = (row: HTMLTableRowElement, open: () => void): HTMLTableRowElement => {
  row.tabIndex = 0;
  row.addEventListener('click', open);
  row.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open();
    }
  });
  return row;
};

const notice = (text: string): HTMLElement => el('p', { class: 'notice', role: 'note' }, text);

const componentsTable = async (
  site: string,
  openMessages: (filters: Filters) => void,
): Promise<HTMLElement> => {
  const answer = await callJson<{ periodStart?: string; items: ComponentSummary[] }>(
    `/sites/${encodeURIComponent(site)}/components`,
  );
  const rows = answer.items.map((item) =>
    openRow(
      el(
        'tr',
        { 'data-component': item.component },
        el('td', {}, item.component),
        statusCell(item.status),
        el('td', { class: 'num' }, String(item.counts.error)),
        el('td', { class: 'num' }, String(item.counts.warning)),
        el('td', { class: 'num' }, String(item.counts.info)),
        el('td', { class: 'time' }, shortTime(item.lastMessageAt)),
      ),
      () => openMessages({ site, component: item.component }),
    ),
  );
  return el(
    'table',
    { class: 'components' },
    el(
      'caption',
      {},
      `Components of ${site}`,
      answer.periodStart ? ` since ${shortTime(answer.periodStart)}` : '',
    ),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Component', 'Status', 'Errors', 'Warnings', 'Info', 'Last message (UTC)'].map((title) =>
          el('th', { scope: 'col' }, title),
        ),
      ),
    ),
    el('tbody', {}, ...rows),
  );
};

export const showSummary = async (openMessages: (filters: Filters) => void): Promise<void> => {
  const host = byId('summary');
  host.replaceChildren(el('p', { class: 'hint' }, 'Loading summaries...'));
  try {
    const sites = itemsOf(await callJson<SiteSummary[] | { items?: SiteSummary[] }>('/sites'));
    const parts: HTMLElement[] = [];
    const siteRows = sites.map((site) =>
      openRow(
        el(
          'tr',
          { 'data-site': site.site },
          el('td', {}, site.site),
          statusCell(site.worstStatus ?? site.status),
          el('td', { class: 'num' }, String(site.componentCount ?? site.components ?? '')),
          el('td', { class: 'time' }, shortTime(site.lastMessageAt)),
        ),
        () => openMessages({ site: site.site }),
      ),
    );
    parts.push(
      el(
        'table',
        { class: 'sites' },
        el('caption', {}, 'Sites'),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Site', 'Worst status', 'Components', 'Last message (UTC)'].map((t) =>
              el('th', { scope: 'col' }, t),
            ),
          ),
        ),
        el('tbody', {}, ...siteRows),
      ),
    );
    for (const site of sites) parts.push(await componentsTable(site.site, openMessages));
    if (sites.length === 0) parts.push(notice('No site has reported in the current period.'));
    host.replaceChildren(...parts);
  } catch (error) {
    host.replaceChildren(
      notice(
        error instanceof ApiError && error.status === 404
          ? 'Component summaries are not available on this server (GET /api/sites answered 404). ' +
              'The Messages tab works without them.'
          : `Summaries could not be read: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }
};
