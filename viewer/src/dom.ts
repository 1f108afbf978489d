/** Small DOM helpers: elements are built with textContent only, so no stored text is ever parsed as HTML. */
export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

type Child = Node | string | null | undefined;

export const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
};

/** `2026-11-25T08:01:02.345Z` as `2026-11-25 08:01:02`: compact and unambiguous (the column says UTC). */
/** `2026-11-25 09:15:00` from an ISO time; empty for none (the summaries API answers null for "no message"). */
export const shortTime = (iso: string | null | undefined): string =>
  typeof iso === 'string' ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '';

const severityWords: Record<string, string> = { error: 'Error', warning: 'Warning', info: 'Info' };

/** Severity by colour and word (and a shape), never colour alone. */
export const severityBadge = (severity: string): HTMLElement =>
  el('span', { class: `sev sev-${severity}` }, severityWords[severity] ?? severity);

/** A definition list of label/value pairs, values as text (objects as JSON). */
export const fieldList = (
  pairs: readonly (readonly [string, string | number | boolean | object | undefined])[],
): HTMLDListElement => {
  const list = el('dl');
  for (const [label, value] of pairs) {
    if (value === undefined || value === '') continue;
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    list.append(el('dt', {}, label), el('dd', {}, text));
  }
  return list;
};
