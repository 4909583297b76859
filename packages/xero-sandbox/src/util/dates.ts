/** Microsoft JSON date as Xero writes record timestamps: `/Date(1573755038314+0000)/`. */
export const msJsonDate = (epochMs: number): string => `/Date(${Math.trunc(epochMs)}+0000)/`;

/** Microsoft JSON date without offset, as Xero writes the envelope's `DateTimeUTC`. */
export const msJsonDateNoOffset = (epochMs: number): string => `/Date(${Math.trunc(epochMs)})/`;

/**
 * Xero's /connections dates: UTC, seven fractional digits and no zone designator,
 * e.g. `2019-12-07T18:46:19.5165400` (see the example in xero-identity.yaml).
 */
export const connectionDate = (epochMs: number): string =>
  `${new Date(epochMs).toISOString().slice(0, 23)}0000`;

/** Xero's TokenExpired detail formats the instant as `MM/dd/yyyy HH:mm:ss` (UTC). */
export const tokenExpiredStamp = (epochMs: number): string => {
  const d = new Date(epochMs);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/**
 * Parses If-Modified-Since as Xero accepts it: ISO 8601 (a missing zone means UTC) or an
 * HTTP date. Returns undefined when the header is absent; throws when it cannot be read.
 */
export function parseIfModifiedSince(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const isoWithoutZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
  const parsed = Date.parse(isoWithoutZone ? `${text}Z` : text);
  if (Number.isNaN(parsed)) throw new Error(`If-Modified-Since: cannot read "${text}" as a date`);
  return parsed;
}
