import { currentKey, forgetKey, setKey, takeKeyFromFragment } from './api.js';
import { setSystems, showAgents, startAgents } from './agents.js';
import { showDeadLetters, startDeadLetters } from './deadletters.js';
import { byId } from './dom.js';
import type { Filters } from './filters.js';
import { showMessages, startMessages } from './messages.js';
import { showSummary } from './summary.js';

const tabs = ['messages', 'summary', 'deadletters', 'agents'] as const;
type Tab = (typeof tabs)[number];

const openMessages = (filters: Filters): void => {
  selectTab('messages');
  showMessages(filters);
};

function selectTab(tab: Tab): void {
  for (const name of tabs) {
    const button = byId(`tab-${name}`);
    const selected = name === tab;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    byId(`panel-${name}`).hidden = !selected;
  }
  if (tab === 'summary') void showSummary(openMessages);
  if (tab === 'deadletters') showDeadLetters();
  showAgents(tab === 'agents');
}

/** Tabs as the ARIA pattern has them: click or Enter, arrow keys move between tabs. */
const startTabs = (): void => {
  tabs.forEach((name, i) => {
    const button = byId(`tab-${name}`);
    button.addEventListener('click', () => selectTab(name));
    button.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
      const next = tabs[(i + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!;
      selectTab(next);
      byId(`tab-${next}`).focus();
    });
  });
};

const startApp = (): void => {
  byId('key-form').hidden = true;
  byId('app').hidden = false;
  startTabs();
  startAgents();
  startDeadLetters();
  startMessages(setSystems);
};

const main = (): void => {
  takeKeyFromFragment();
  byId('forget-key').addEventListener('click', () => {
    forgetKey();
    location.reload();
  });
  if (currentKey()) return startApp();
  const form = byId<HTMLFormElement>('key-form');
  form.hidden = false;
  byId('key-input').focus();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setKey(byId<HTMLInputElement>('key-input').value);
    startApp();
  });
};

main();
