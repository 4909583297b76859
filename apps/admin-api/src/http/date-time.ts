import { z } from 'zod';

/** What every date-time field of the API must be, said once for all of them. */
export const DATE_TIME_PROBLEM =
  'must be an RFC 3339 date-time with a zone (Z or ±hh:mm), e.g. 2027-03-01T00:00:00Z';

/**
 * An instant, in the query or a body: an RFC 3339 date-time, as a Date. A time without a zone
 * names no instant (the server's zone is no one's), so it is refused, never guessed.
 */
export const dateTime = z.iso
  .datetime({ offset: true, message: DATE_TIME_PROBLEM })
  .transform((s) => new Date(s));

/** A date-time whose `+hh:mm` offset arrived as ` hh:mm`: a query string decodes an unencoded `+` as a space. */
const SPACED_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$/;

/**
 * `query` with each date-time whose offset lost its `+` (`?since=2026-11-22T00:00:00+13:00` typed
 * unencoded, as New Zealand and Australian users write it) given its `+` back. No other value
 * changes: a space never appears in an RFC 3339 date-time.
 */
export function restoreQueryOffsets(query: unknown): unknown {
  if (!query || typeof query !== 'object' || Array.isArray(query)) return query;
  const restore = (value: unknown): unknown =>
    typeof value === 'string'
      ? value.replace(SPACED_OFFSET, '$1+$2')
      : Array.isArray(value)
        ? value.map(restore)
        : value;
  return Object.fromEntries(Object.entries(query).map(([key, value]) => [key, restore(value)]));
}
