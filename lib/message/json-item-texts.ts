/**
 * The source text of each element of the `messages` array of a JSON object text, as the sender wrote it:
 * the raw text of an envelope's item, for its dead letter. Of duplicate `messages` keys the last counts, as
 * in JSON.parse. Expects text that JSON.parse accepted; returns undefined when the text is not an object
 * whose `messages` is an array. Iterative (no recursion), one pass over the text.
 */
export const messageItemTexts = (text: string): string[] | undefined => {
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i += 1;
  };
  /** From an opening quote to just past its closing quote. */
  const skipString = (): void => {
    i += 1;
    while (i < text.length && text.charAt(i) !== '"') i += text.charAt(i) === '\\' ? 2 : 1;
    i += 1;
  };
  /** From the first character of a value to just past it. */
  const skipValue = (): void => {
    const first = text.charAt(i);
    if (first === '"') return skipString();
    if (first !== '{' && first !== '[') {
      while (i < text.length && !',]} \t\n\r'.includes(text.charAt(i))) i += 1;
      return;
    }
    let depth = 0;
    do {
      const c = text.charAt(i);
      if (c === '"') {
        skipString();
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') depth -= 1;
      i += 1;
    } while (depth > 0 && i < text.length);
  };

  skipSpace();
  if (text.charAt(i) !== '{') return undefined;
  i += 1;
  let messagesAt: number | undefined;
  for (;;) {
    skipSpace();
    if (text.charAt(i) !== '"') break;
    const keyStart = i;
    skipString();
    const key = JSON.parse(text.slice(keyStart, i)) as string;
    skipSpace();
    i += 1; // the colon
    skipSpace();
    if (key === 'messages') messagesAt = i;
    skipValue();
    skipSpace();
    if (text.charAt(i) !== ',') break;
    i += 1;
  }
  if (messagesAt === undefined || text.charAt(messagesAt) !== '[') return undefined;
  i = messagesAt + 1;
  const items: string[] = [];
  for (;;) {
    skipSpace();
    if (i >= text.length || text.charAt(i) === ']') return items;
    const start = i;
    skipValue();
    items.push(text.slice(start, i));
    skipSpace();
    if (text.charAt(i) !== ',') return items;
    i += 1;
  }
};
