import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-xao-signature';
export const TIMESTAMP_HEADER = 'x-xao-timestamp';
export const EVENT_HEADER = 'x-xao-event';
export const DELIVERY_HEADER = 'x-xao-delivery';

/** Names the signing scheme in the signature header: `v1=<hex>`. */
export const SIGNATURE_VERSION = 'v1';

/** How far a delivery's timestamp may be from the receiver's clock, either way, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** What a signature covers: every header a receiver acts on, and the body. */
export interface SignedDelivery {
  /** `x-xao-timestamp`: Unix seconds when this attempt was sent. */
  timestamp: string;
  /** `x-xao-delivery`: the same on every attempt of one delivery, so receivers deduplicate by it. */
  deliveryId: string;
  /** `x-xao-event` */
  event: string;
  /** The raw request body, as received. */
  body: string;
}

export interface VerifyOptions {
  /** Oldest (and farthest in the future) a timestamp may be, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The receiver's clock (tests). */
  now?: Date;
}

const hasLineBreak = (d: SignedDelivery) =>
  [d.timestamp, d.deliveryId, d.event].some((field) => field.includes('\n'));

/**
 * The signed string: `<timestamp>\n<delivery id>\n<event>\n<body>`. Joined by newlines, not by
 * dots as Stripe and Standard Webhooks join theirs: an event type has dots and a header cannot
 * hold a newline, so no field can be shifted into the next (an id `<id>.finding` with the event
 * `opened` would sign as the id `<id>` with `finding.opened`).
 */
function signedContent(d: SignedDelivery): string {
  return `${d.timestamp}\n${d.deliveryId}\n${d.event}\n${d.body}`;
}

/**
 * `v1=<hex>` of HMAC-SHA256(secret, signed string): the timestamp, delivery id and event are
 * signed with the body, so a captured delivery cannot be sent again under a new delivery id, and
 * a receiver that checks the timestamp refuses it once it is old.
 */
export function signPayload(secret: string, delivery: SignedDelivery): string {
  if (hasLineBreak(delivery))
    throw new Error('webhook signature: timestamp, delivery id and event must not hold a newline');
  const hmac = createHmac('sha256', secret).update(signedContent(delivery)).digest('hex');
  return `${SIGNATURE_VERSION}=${hmac}`;
}

/**
 * What a receiver does: refuses a timestamp more than `toleranceSeconds` (300) from its clock,
 * either way, then recomputes the signature and compares in constant time. A replay inside the
 * window repeats the delivery id: a receiver that remembers ids for the window refuses it too.
 */
export function verifySignature(
  secret: string,
  delivery: SignedDelivery & { signature: string },
  options: VerifyOptions = {},
): boolean {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new RangeError('toleranceSeconds: must be a number of seconds, 0 or more');
  if (!/^\d{1,12}$/.test(delivery.timestamp) || hasLineBreak(delivery)) return false;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(delivery.timestamp)) > tolerance) return false;
  const expected = Buffer.from(signPayload(secret, delivery));
  const given = Buffer.from(delivery.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
