/** `YYYY-MM-DDTHH:MM:` comes before the seconds in every timestamp the schema accepts. */
const SECONDS_AT = 17;

/**
 * Unix milliseconds of a timestamp isTimestamp accepts, read as the Rego's `timestamp.parse`
 * reads it: a leap second (`23:59:60Z`, which ajv's date-time accepts but Date.parse cannot read)
 * is the second after it (`00:00:00Z` of the next day), its fraction kept. Every other timestamp
 * isTimestamp accepts (four-digit years, offsets up to ±23:59) Date.parse reads.
 */
export function timestampMs(timestamp: string): number {
  if (timestamp.slice(SECONDS_AT, SECONDS_AT + 2) !== '60') return Date.parse(timestamp);
  const second59 = `${timestamp.slice(0, SECONDS_AT)}59${timestamp.slice(SECONDS_AT + 2)}`;
  return Date.parse(second59) + 1_000;
}
