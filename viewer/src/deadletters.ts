import { callJson } from './api.js';
import { byId, el, fieldList, shortTime } from './dom.js';
import { say, sayError } from './status-line.js';

interface DeadLetterSummary {
  id: string;
  source: string;
  reasons: string[];
  rawPreview: string;
  rawLength: number;
  deadLetteredAt: string;
  batchId?: string;
  position: number;
  queueMessageId: string;
  dequeueCount: number;
  lastError?: string;
  replay: { state: string; replayedAt?: string; queueMessageId?: string };
}

interface DeadLetter extends Omit<DeadLetterSummary, 'rawPreview' | 'rawLength'> {
  raw: string;
  /** Only when the body's bytes are not UTF-8: all of them, base64-encoded. */
  rawBase64?: string;
}

interface ReplayAnswer {
  results: { id: string; result: string; reasons?: string[] }[];
}

const state = {
  items: [] as DeadLetterSummary[],
  continuation: undefined as string | undefined,
  loaded: false,
};

const rowOf = (letter: DeadLetterSummary): HTMLTableRowElement =>
  el(
    'tr',
    { tabindex: '0', 'data-id': letter.id },
    el('td', { class: 'time', title: letter.deadLetteredAt }, shortTime(letter.deadLetteredAt)),
    el('td', {}, letter.source),
    el(
      'td',
      {},
      letter.reasons[0] ?? '',
      letter.reasons.length > 1 ? ` (+${letter.reasons.length - 1} more)` : '',
    ),
    el('td', {}, letter.replay.state),
  );

const render = (): void => {
  byId<HTMLTableElement>('deadletters').tBodies[0]!.replaceChildren(...state.items.map(rowOf));
  byId('deadletters-more').hidden = state.continuation === undefined;
  byId('deadletters-count').textContent =
    `${state.items.length} dead letter${state.items.length === 1 ? '' : 's'} loaded`;
};

const load = async (more: boolean): Promise<void> => {
  try {
    const query = new URLSearchParams({ limit: '50' });
    if (more && state.continuation) query.set('continuation', state.continuation);
    const page = await callJson<{ items: DeadLetterSummary[]; continuationToken?: string }>(
      `/deadletters?${query.toString()}`,
    );
    state.items = more ? [...state.items, ...page.items] : page.items;
    state.continuation = page.continuationToken ?? undefined;
    state.loaded = true;
    render();
  } catch (error) {
    sayError('Loading dead letters', error);
  }
};

const replay = async (id: string, button: HTMLButtonElement): Promise<void> => {
  button.disabled = true;
  try {
    const answer = await callJson<ReplayAnswer>(
      '/deadletters/replay',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids: [id] }),
      },
      [400, 404, 409, 413],
    );
    const result = answer.results[0];
    const text =
      result?.result === 'replayed'
        ? 'Replayed: the body is back on the queue and will be stored.'
        : `Not replayed (${result?.result ?? 'no answer'})${result?.reasons ? `: ${result.reasons.join('; ')}` : ''}`;
    byId('replay-result').textContent = text;
    say(text, result?.result !== 'replayed' && result?.result !== 'already-replayed');
    await load(false);
    await showDetail(id);
  } catch (error) {
    sayError('Replay', error);
  } finally {
    button.disabled = false;
  }
};

const showDetail = async (id: string): Promise<void> => {
  try {
    const letter = await callJson<DeadLetter>(`/deadletters/${encodeURIComponent(id)}`);
    const button = el('button', { type: 'button', id: 'replay-button' }, 'Replay');
    button.addEventListener('click', () => void replay(id, button));
    const previous = byId('deadletter-detail').querySelector('#replay-result')?.textContent ?? '';
    byId('deadletter-detail').replaceChildren(
      el('h2', {}, 'Dead letter'),
      el('h3', {}, 'Reasons'),
      el('ul', {}, ...letter.reasons.map((reason) => el('li', {}, reason))),
      fieldList([
        ['Source', letter.source],
        ['Dead-lettered', letter.deadLetteredAt],
        ['Replay state', letter.replay.state],
        ['Replayed', letter.replay.replayedAt],
        ['Batch', letter.batchId],
        ['Position', letter.position >= 0 ? letter.position : 'whole body'],
        ['Queue message', letter.queueMessageId],
        ['Dequeue count', letter.dequeueCount],
        ['Last error', letter.lastError],
        ['Id', letter.id],
      ]),
      el('h3', {}, 'Raw body'),
      el('pre', { id: 'raw-body' }, letter.raw),
      ...(letter.rawBase64 === undefined
        ? []
        : [
            el('h3', {}, 'Raw bytes (base64: they are not UTF-8, the text above shows U+FFFD for them)'),
            el('pre', { id: 'raw-base64' }, letter.rawBase64),
          ]),
      button,
      el('p', { id: 'replay-result', role: 'status' }, previous),
    );
  } catch (error) {
    sayError('Loading the dead letter', error);
  }
};

export const showDeadLetters = (): void => {
  if (!state.loaded) void load(false);
};

export const startDeadLetters = (): void => {
  byId('deadletters-refresh').addEventListener('click', () => void load(false));
  byId('deadletters-more').addEventListener('click', () => void load(true));
  const body = byId<HTMLTableElement>('deadletters').tBodies[0]!;
  const open = (target: EventTarget | null): void => {
    const id = (target as HTMLElement | null)?.closest('tr')?.dataset.id;
    if (id) {
      byId('deadletter-detail').replaceChildren(el('p', { id: 'replay-result', role: 'status' }));
      void showDetail(id);
    }
  };
  body.addEventListener('click', (event) => open(event.target));
  body.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(event.target);
    }
  });
};
