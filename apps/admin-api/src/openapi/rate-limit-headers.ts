/**
 * The headers every rate-limited answer carries, successes and errors alike (rate-limit/
 * api-rate-limit.ts sets them, for whichever of the client IP and credential limits has fewer
 * requests left). Declared once in components.headers, referenced by each response.
 */
export const rateLimitHeaderComponents = () => ({
  'X-RateLimit-Limit': {
    description:
      'Requests per minute the limit shown allows: per client IP (RATE_LIMIT_PER_IP_PER_MINUTE) or per credential (RATE_LIMIT_PER_MINUTE), whichever has fewer requests left',
    required: true,
    schema: { type: 'integer', minimum: 1 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left under that limit in its current one-minute window (0 on a 429)',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'X-RateLimit-Reset': {
    description:
      "Seconds from now until that limit's window ends and its count starts again: a duration, not a Unix time",
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
});

export const rateLimitHeaderRefs = () =>
  Object.fromEntries(
    Object.keys(rateLimitHeaderComponents()).map((name) => [
      name,
      { $ref: `#/components/headers/${name}` },
    ]),
  );
