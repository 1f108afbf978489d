import { callJson, download } from './api.js';
import { byId, el, fieldList, severityBadge, shortTime } from './dom.js';
import { fillForm, filtersFromUrl, filtersToSearch, readForm, type Filters } from './filters.js';
import { say, sayError } from './status-line.js';

/** A stored status message as `GET /api/status-messages` answers it. */
export interface MessageItem {
  id: string;
  time: string;
  severity: string;
  messageType: string;
  site: string;
  machine: string;
  component: string;
  messageId: number;
  description: string;
  module?: string;
  processId?: number;
  threadId?: number;
  insertionStrings?: string[];
  attributes?: Record<string, string | number>;
  text?: string;
  batchId?: string;
  position?: number;
  seq?: number;
  queueMessageId?: string;
  enqueuedAt?: string;
  storedAt?: string;
}

interface MessagePage {
  items: MessageItem[];
  continuation: string | null;
}

type SortKey =
  'severity' | 'messageType' | 'site' | 'time' | 'machine' | 'component' | 'messageId' | 'description';

const pageSize = 100;
const followEveryMs = 2000;
const severityRank: Record<string, number> = { error: 3, warning: 2, info: 1 };

/** SMS attribute ids worth a name in the detail pane. */
const attributeNames: Record<string, string> = {
  '400': 'Package ID',
  '401': 'Advertisement ID',
  '402': 'Collection ID',
  '403': 'Site code',
  '404': 'Machine name',
  '408': 'Distribution point',
};

const state = {
  filters: {} as Filters,
  items: [] as MessageItem[],
  continuation: null as string | null,
  sort: { key: 'time' as SortKey, descending: true },
  selected: undefined as string | undefined,
  following: false,
  followTimer: undefined as number | undefined,
  /** Bumped on every new query, so that a late answer of an older one is dropped. */
  generation: 0,
  onSystems: (_systems: readonly { site: string; machine: string }[]): void => undefined,
};

const compare =
  (key: SortKey) =>
  (a: MessageItem, b: MessageItem): number => {
    if (key === 'severity') return (severityRank[a.severity] ?? 0) - (severityRank[b.severity] ?? 0);
    if (key === 'messageId') return a.messageId - b.messageId;
    return String(a[key]).localeCompare(String(b[key]));
  };

const sortedItems = (): MessageItem[] => {
  const { key, descending } = state.sort;
  const sorted = [...state.items].sort(compare(key));
  return descending ? sorted.reverse() : sorted;
};

const rowOf = (item: MessageItem, fresh: boolean): HTMLTableRowElement => {
  const row = el(
    'tr',
    {
      tabindex: '0',
      'data-id': item.id,
      'aria-selected': String(item.id === state.selected),
      ...(fresh ? { class: 'new' } : {}),
    },
    el('td', {}, severityBadge(item.severity)),
    el('td', {}, item.messageType),
    el('td', {}, item.site),
    el('td', { class: 'time', title: item.time }, shortTime(item.time)),
    el('td', {}, item.machine),
    el('td', {}, item.component),
    el('td', { class: 'num' }, String(item.messageId)),
    el('td', {}, item.description),
  );
  return row;
};

const render = (fresh: ReadonlySet<string> = new Set()): void => {
  const body = byId<HTMLTableElement>('messages').tBodies[0]!;
  body.replaceChildren(...sortedItems().map((item) => rowOf(item, fresh.has(item.id))));
  for (const header of Array.from(byId('messages').querySelectorAll<HTMLElement>('th[data-key]'))) {
    const key = header.dataset.key as SortKey;
    if (key === state.sort.key)
      header.setAttribute('aria-sort', state.sort.descending ? 'descending' : 'ascending');
    else header.removeAttribute('aria-sort');
  }
  byId('empty').hidden = state.items.length > 0;
  byId('load-more').hidden = state.continuation === null;
  byId('count').textContent =
    `${state.items.length} message${state.items.length === 1 ? '' : 's'} loaded` +
    (state.continuation === null ? '' : ', more available');
  state.onSystems(systemsOf(state.items));
};

const systemsOf = (items: readonly MessageItem[]): { site: string; machine: string }[] => {
  const seen = new Map<string, { site: string; machine: string }>();
  for (const { site, machine } of items) seen.set(`${site}/${machine}`, { site, machine });
  return [...seen.values()];
};

const showDetail = (id: string): void => {
  const item = state.items.find((candidate) => candidate.id === id);
  if (!item) return;
  state.selected = id;
  for (const row of Array.from(byId('messages').querySelectorAll('tbody tr')))
    row.setAttribute('aria-selected', String((row as HTMLElement).dataset.id === id));
  const attributes = Object.entries(item.attributes ?? {}).map(
    ([key, value]) => [`${attributeNames[key] ?? 'Attribute'} (${key})`, value] as const,
  );
  const insertions = (item.insertionStrings ?? []).map(
    (value, i) => [`Insertion string %${i + 1}`, value] as const,
  );
  const pane = byId('detail');
  pane.replaceChildren(
    el('h2', {}, `Message ${item.messageId} `, severityBadge(item.severity)),
    el('p', {}, item.description),
    fieldList([
      ['Date / time', item.time],
      ['Severity', item.severity],
      ['Type', item.messageType],
      ['Site', item.site],
      ['System', item.machine],
      ['Component', item.component],
      ['Message id', item.messageId],
      ['Module', item.module],
      ['Process id', item.processId],
      ['Thread id', item.threadId],
      ['Text', item.text],
      ...insertions,
      ...attributes,
      ['Sequence number', item.seq],
      ['Batch', item.batchId],
      ['Position in batch', item.position],
      ['Queue message', item.queueMessageId],
      ['Enqueued', item.enqueuedAt],
      ['Stored', item.storedAt],
      ['Id', item.id],
    ]),
  );
};

const listPath = (filters: Filters, extra: Record<string, string>): string => {
  const search = [filtersToSearch(filters), new URLSearchParams(extra).toString()].filter(Boolean).join('&');
  return `/status-messages?${search}`;
};

/** Loads the first page of the current filters (replacing what is shown). */
export const reload = async (): Promise<void> => {
  const generation = (state.generation += 1);
  say('Loading messages...');
  try {
    const page = await callJson<MessagePage>(listPath(state.filters, { limit: String(pageSize) }));
    if (generation !== state.generation) return;
    state.items = page.items;
    state.continuation = page.continuation;
    render();
    say(`Showing messages ${filtersToSearch(state.filters) ? 'matching the filters' : '(no filters)'}.`);
  } catch (error) {
    if (generation === state.generation) sayError('Loading messages', error);
  }
};

const loadMore = async (): Promise<void> => {
  if (state.continuation === null) return;
  const generation = state.generation;
  try {
    const page = await callJson<MessagePage>(
      listPath(state.filters, { limit: String(pageSize), continuation: state.continuation }),
    );
    if (generation !== state.generation) return;
    const known = new Set(state.items.map((item) => item.id));
    state.items.push(...page.items.filter((item) => !known.has(item.id)));
    state.continuation = page.continuation;
    render();
  } catch (error) {
    sayError('Loading more messages', error);
  }
};

/** Follow: the newest page is fetched again and again; messages not shown yet are added and highlighted. */
const followOnce = async (): Promise<void> => {
  const generation = state.generation;
  try {
    const page = await callJson<MessagePage>(listPath(state.filters, { limit: String(pageSize) }));
    if (generation !== state.generation || !state.following) return;
    const known = new Set(state.items.map((item) => item.id));
    const fresh = page.items.filter((item) => !known.has(item.id));
    if (fresh.length > 0) {
      state.items.push(...fresh);
      render(new Set(fresh.map((item) => item.id)));
      say(
        `${fresh.length} new message${fresh.length === 1 ? '' : 's'} at ${new Date().toLocaleTimeString()}.`,
      );
    }
  } catch (error) {
    sayError('Following', error);
  }
};

const scheduleFollow = (): void => {
  window.clearTimeout(state.followTimer);
  if (!state.following) return;
  state.followTimer = window.setTimeout(() => {
    void followOnce().finally(scheduleFollow);
  }, followEveryMs);
};

const applyFilters = (filters: Filters, push: boolean): void => {
  state.filters = filters;
  state.selected = undefined;
  const search = filtersToSearch(filters);
  if (push) history.pushState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
  fillForm(byId<HTMLFormElement>('filters'), filters);
  void reload();
};

/** Opens the message list with these filters (from the summary tab). */
export const showMessages = (filters: Filters): void => applyFilters(filters, true);

const exportAs = async (format: 'csv' | 'jsonl'): Promise<void> => {
  say(`Exporting ${format.toUpperCase()}...`);
  try {
    await download(listPath(state.filters, { format }), `status-messages.${format}`);
    say(`Export ${format.toUpperCase()} downloaded.`);
  } catch (error) {
    sayError('Export', error);
  }
};

/** Row keyboard use: Enter or Space opens the detail, arrows move between rows. */
const onRowKey = (event: KeyboardEvent): void => {
  const row = (event.target as HTMLElement).closest('tr');
  if (!row?.dataset.id) return;
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    showDetail(row.dataset.id);
  } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    const next = event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
    (next as HTMLElement | null)?.focus();
  }
};

export const startMessages = (onSystems: typeof state.onSystems): void => {
  state.onSystems = onSystems;
  const form = byId<HTMLFormElement>('filters');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    applyFilters(readForm(form), true);
  });
  byId('clear-filters').addEventListener('click', () => applyFilters({}, true));
  window.addEventListener('popstate', () => applyFilters(filtersFromUrl(), false));
  for (const header of Array.from(byId('messages').querySelectorAll<HTMLElement>('th[data-key]'))) {
    header.querySelector('button')?.addEventListener('click', () => {
      const key = header.dataset.key as SortKey;
      state.sort =
        state.sort.key === key
          ? { key, descending: !state.sort.descending }
          : { key, descending: key === 'time' };
      render();
    });
  }
  const body = byId<HTMLTableElement>('messages').tBodies[0]!;
  body.addEventListener('click', (event) => {
    const id = (event.target as HTMLElement).closest('tr')?.dataset.id;
    if (id) showDetail(id);
  });
  body.addEventListener('keydown', onRowKey);
  byId('load-more').addEventListener('click', () => void loadMore());
  byId<HTMLInputElement>('follow').addEventListener('change', (event) => {
    state.following = (event.target as HTMLInputElement).checked;
    say(state.following ? 'Following: new messages appear as they are stored.' : 'Stopped following.');
    scheduleFollow();
  });
  byId('export-csv').addEventListener('click', () => void exportAs('csv'));
  byId('export-jsonl').addEventListener('click', () => void exportAs('jsonl'));
  applyFilters(filtersFromUrl(), false);
};
