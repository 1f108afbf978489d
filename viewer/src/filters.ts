/** The message filters live in the page's query string, so that a view can be bookmarked and shared. */
export const filterNames = [
  'site',
  'machine',
  'component',
  'severity',
  'messageId',
  'messageType',
  'since',
  'until',
] as const;
export type FilterName = (typeof filterNames)[number];

export type Filters = Partial<Record<FilterName, string>>;

export const filtersFromUrl = (): Filters => {
  const params = new URLSearchParams(location.search);
  const filters: Filters = {};
  for (const name of filterNames) {
    const values = params.getAll(name).filter((value) => value.trim() !== '');
    if (values.length > 0) filters[name] = values.join(',');
  }
  return filters;
};

export const filtersToSearch = (filters: Filters): string => {
  const params = new URLSearchParams();
  for (const name of filterNames) {
    const value = filters[name];
    if (value !== undefined && value !== '') params.set(name, value);
  }
  return params.toString();
};

export const readForm = (form: HTMLFormElement): Filters => {
  const data = new FormData(form);
  const filters: Filters = {};
  for (const name of filterNames) {
    const values = data
      .getAll(name)
      .map((value) => String(value as string).trim())
      .filter(Boolean);
    if (values.length > 0) filters[name] = values.join(',');
  }
  return filters;
};

export const fillForm = (form: HTMLFormElement, filters: Filters): void => {
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement)) continue;
    const value = filters[element.name as FilterName] ?? '';
    if (element instanceof HTMLInputElement && element.type === 'checkbox')
      element.checked = value.split(',').includes(element.value);
    else element.value = value;
  }
};
