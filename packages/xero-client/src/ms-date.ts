/** Xero's Microsoft JSON date: `/Date(1573755038314+0000)/`; the number is UTC epoch milliseconds. */
const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** Returns the Date, or undefined when the text is not a Microsoft JSON date. */
export function parseMicrosoftJsonDate(text: string): Date | undefined {
  const match = MS_DATE.exec(text);
  if (!match) return undefined;
  const date = new Date(Number(match[1]));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatMicrosoftJsonDate(date: Date): string {
  return `/Date(${date.getTime()}+0000)/`;
}

/** Xero's identity API sends ISO timestamps without a zone (`2019-07-09T23:40:30.1833130`); they are UTC. */
export function parseXeroIsoDate(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(text))
    return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const trimmed = text.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(hasZone ? trimmed : `${trimmed}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** If-Modified-Since as Xero documents it: ISO 8601 in UTC without a zone (`2009-11-12T00:00:00.000`). */
export function formatModifiedSince(date: Date): string {
  return date.toISOString().slice(0, 23);
}
