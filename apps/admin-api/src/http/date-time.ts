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
