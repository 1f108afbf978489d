import { messageCatalog, type CatalogEntry } from './message-catalog';

export interface Describable {
  readonly component: string;
  readonly messageId: number;
  readonly insertionStrings?: readonly string[];
  readonly text?: string;
}

const keyOf = (component: string, messageId: number): string =>
  `${component.toUpperCase()}\u0000${messageId}`;

const byKey = (entries: readonly CatalogEntry[]): ReadonlyMap<string, string> =>
  new Map(entries.map((entry) => [keyOf(entry.component, entry.messageId), entry.template]));

/** `%1`..`%n` replaced by the insertion strings; a missing one stays `%n`, so a gap is visible; `%%` is `%`. */
export const renderTemplate = (template: string, insertions: readonly string[]): string =>
  template.replace(/%(%|\d+)/g, (match, index: string) =>
    index === '%' ? '%' : (insertions[Number(index) - 1] ?? match),
  );

/**
 * The description of a status message: its catalog text with the insertion strings filled in (the component's
 * own entry, else the `*` entry for the message id); without one, the message's `text`; without that, its
 * insertion strings; without those, a line naming the component and message id.
 */
export const describeMessageWith = (entries: readonly CatalogEntry[]): ((message: Describable) => string) => {
  const templates = byKey(entries);
  return (message) => {
    const insertions = message.insertionStrings ?? [];
    const template =
      templates.get(keyOf(message.component, message.messageId)) ??
      templates.get(keyOf('*', message.messageId));
    if (template !== undefined) return renderTemplate(template, insertions);
    if (message.text !== undefined && message.text.trim() !== '') return message.text;
    if (insertions.length > 0) return insertions.join('; ');
    return `Message ${message.messageId} from ${message.component}.`;
  };
};

export const describeMessage = describeMessageWith(messageCatalog);
