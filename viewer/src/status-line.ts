import { byId } from './dom.js';

/** The one status line at the top: what is happening, or what went wrong (announced to screen readers). */
export const say = (text: string, problem = false): void => {
  const line = byId('status');
  line.textContent = text;
  line.classList.toggle('problem', problem);
};

export const sayError = (what: string, error: unknown): void =>
  say(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, true);
