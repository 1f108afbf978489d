/**
 * Calls to the statmgr API with the function key. The key comes from the URL fragment (`#key=...`, then
 * removed from the address bar) or from the key form, and is kept in sessionStorage: for this tab only.
 */
const storageKey = 'statmgr.functionKey';

/** `/api` when the page is `/api/viewer`: the API is next to the page. */
export const apiBase = location.pathname.replace(/\/viewer\/?$/, '');

export const takeKeyFromFragment = (): void => {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  sessionStorage.setItem(storageKey, decodeURIComponent(match[1]));
  history.replaceState(history.state, '', location.pathname + location.search);
};

export const currentKey = (): string | null => sessionStorage.getItem(storageKey);
export const setKey = (key: string): void => sessionStorage.setItem(storageKey, key.trim());
export const forgetKey = (): void => sessionStorage.removeItem(storageKey);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A readable sentence for an error answer: the API's reasons when it gave them. */
const problemOf = async (response: Response): Promise<string> => {
  const text = await response.text();
  let detail = text;
  try {
    const body = JSON.parse(text) as { error?: string; reasons?: string[]; errors?: string[] };
    detail = [body.error, ...(body.reasons ?? body.errors ?? [])].filter(Boolean).join('; ');
  } catch {
    // not JSON: keep the text
  }
  if (response.status === 401 || response.status === 403) return 'the function key was refused';
  if (response.status === 503) {
    const after = response.headers.get('retry-after');
    return `the store is unavailable right now${after ? `, retry in ${after} s` : ''}`;
  }
  return `${response.status}${detail ? `: ${detail}` : ''}`;
};

export const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
  const key = currentKey();
  const response = await fetch(`${apiBase}${path}`, {
    ...init,
    headers: { ...(key ? { 'x-functions-key': key } : {}), ...(init.headers as Record<string, string>) },
  });
  return response;
};

/** The JSON answer, or ApiError with a readable message; `allow` lists statuses that are answers too. */
export const callJson = async <T>(path: string, init: RequestInit = {}, allow: number[] = []): Promise<T> => {
  const response = await call(path, init);
  if (!response.ok && !allow.includes(response.status))
    throw new ApiError(response.status, await problemOf(response));
  return (await response.json()) as T;
};

/** Downloads an answer as a file (the export carries the key in a header, so a plain link cannot). */
export const download = async (path: string, filename: string): Promise<void> => {
  const response = await call(path);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};
