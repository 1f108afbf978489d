import { ApiError, callJson } from './api.js';
import { byId, el } from './dom.js';
import { sayError } from './status-line.js';

interface SeqGap {
  first: number;
  last: number;
  ageSeconds: number;
}

interface AgentStatus {
  site: string;
  machine: string;
  highestContiguous: number;
  highestSeen: number;
  gaps: SeqGap[];
  recentGaps: SeqGap[];
}

const systems = new Map<string, { site: string; machine: string }>();
let visible = false;

const gapText = (gaps: readonly SeqGap[]): string =>
  gaps.length === 0
    ? 'none'
    : gaps.map((gap) => (gap.first === gap.last ? `${gap.first}` : `${gap.first}-${gap.last}`)).join(', ');

const rowFor = async (site: string, machine: string): Promise<HTMLTableRowElement> => {
  const path = `/agents/${encodeURIComponent(site)}/${encodeURIComponent(machine)}`;
  try {
    const status = await callJson<AgentStatus>(path);
    return el(
      'tr',
      {},
      el('td', {}, site),
      el('td', {}, machine),
      el('td', { class: 'num' }, String(status.highestContiguous)),
      el('td', { class: 'num' }, String(status.highestSeen)),
      el('td', { class: status.gaps.length > 0 ? 'status-critical' : 'status-ok' }, gapText(status.gaps)),
      el('td', {}, gapText(status.recentGaps)),
    );
  } catch (error) {
    const text =
      error instanceof ApiError && error.status === 404
        ? 'no numbered messages stored (the agent sends no seq)'
        : `could not read: ${error instanceof Error ? error.message : String(error)}`;
    return el('tr', {}, el('td', {}, site), el('td', {}, machine), el('td', { colspan: '4' }, text));
  }
};

const refresh = async (): Promise<void> => {
  try {
    const rows = await Promise.all([...systems.values()].map(({ site, machine }) => rowFor(site, machine)));
    byId<HTMLTableElement>('agents').tBodies[0]!.replaceChildren(...rows);
  } catch (error) {
    sayError('Loading agents', error);
  }
};

/** The systems of the loaded messages; the table is read when the tab is shown. */
export const setSystems = (list: readonly { site: string; machine: string }[]): void => {
  for (const system of list) systems.set(`${system.site}/${system.machine}`, system);
  if (visible) void refresh();
};

export const showAgents = (shown: boolean): void => {
  visible = shown;
  if (shown) void refresh();
};

const inputValue = (form: HTMLFormElement, name: string): string => {
  const input = form.elements.namedItem(name);
  return input instanceof HTMLInputElement ? input.value.trim() : '';
};

export const startAgents = (): void => {
  const form = byId<HTMLFormElement>('agent-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const site = inputValue(form, 'site');
    const machine = inputValue(form, 'machine');
    if (site && machine) setSystems([{ site, machine }]);
    void refresh();
  });
};
