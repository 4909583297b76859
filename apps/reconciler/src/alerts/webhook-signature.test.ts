import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from './webhook-signature.js';

const SECRET = 'receiver-signing-secret-0123456789abcdef';
const SENT_AT = new Date('2026-12-07T10:00:00.000Z');
const delivery = {
  timestamp: String(SENT_AT.getTime() / 1000),
  deliveryId: '2f1c6a52-8a4e-4b0e-9d3c-5b7a1e0f9c21',
  event: 'finding.opened',
  body: '{"type":"finding.opened","eventId":"e1"}',
};
const signed = { ...delivery, signature: signPayload(SECRET, delivery) };
const secondsAfter = (seconds: number) => new Date(SENT_AT.getTime() + seconds * 1000);

describe('webhook signature', () => {
  it('is v1= HMAC-SHA256 over the timestamp, delivery id, event and body, one per line', () => {
    const expected = createHmac('sha256', SECRET)
      .update(`${delivery.timestamp}\n${delivery.deliveryId}\n${delivery.event}\n${delivery.body}`)
      .digest('hex');
    expect(signed.signature).toBe(`v1=${expected}`);
    expect(verifySignature(SECRET, signed, { now: SENT_AT })).toBe(true);
  });

  it('refuses a captured delivery sent again under another delivery id or event', () => {
    const replays = [
      { ...signed, deliveryId: '9b0f3c1e-2d4a-4c6b-8e7f-1a2b3c4d5e6f' },
      // Shifting a dot of the event into the id must not keep the signed string.
      { ...signed, deliveryId: `${delivery.deliveryId}.finding`, event: 'opened' },
      { ...signed, event: 'finding.resolved' },
      { ...signed, body: '{"type":"finding.resolved","eventId":"e1"}' },
    ];
    for (const replay of replays)
      expect(verifySignature(SECRET, replay, { now: SENT_AT }), JSON.stringify(replay)).toBe(false);
    expect(
      verifySignature('another-signing-secret-0123456789abcdef', signed, { now: SENT_AT }),
    ).toBe(false);
  });

  it('refuses a timestamp older, or further ahead, than the tolerance: 300 s by default', () => {
    expect(verifySignature(SECRET, signed, { now: secondsAfter(300) })).toBe(true);
    expect(verifySignature(SECRET, signed, { now: secondsAfter(301) })).toBe(false);
    expect(verifySignature(SECRET, signed, { now: secondsAfter(-300) })).toBe(true);
    expect(verifySignature(SECRET, signed, { now: secondsAfter(-301) })).toBe(false);
    expect(verifySignature(SECRET, signed, { now: secondsAfter(86_400) })).toBe(false);
  });

  it('takes another tolerance, and refuses one that is not a number of seconds', () => {
    expect(verifySignature(SECRET, signed, { now: secondsAfter(60), toleranceSeconds: 30 })).toBe(
      false,
    );
    expect(verifySignature(SECRET, signed, { now: secondsAfter(600), toleranceSeconds: 900 })).toBe(
      true,
    );
    expect(() => verifySignature(SECRET, signed, { toleranceSeconds: -1 })).toThrow(
      'toleranceSeconds: must be a number of seconds, 0 or more',
    );
    expect(() => verifySignature(SECRET, signed, { toleranceSeconds: Number.NaN })).toThrow(
      /toleranceSeconds/,
    );
  });

  it('refuses a timestamp that is not whole Unix seconds, and header fields holding a newline', () => {
    for (const timestamp of ['', '1796637600.5', '+1796637600', ' 1796637600', 'now'])
      expect(verifySignature(SECRET, { ...signed, timestamp }, { now: SENT_AT })).toBe(false);
    expect(
      verifySignature(
        SECRET,
        { ...signed, deliveryId: `${delivery.deliveryId}\nx` },
        { now: SENT_AT },
      ),
    ).toBe(false);
    expect(() => signPayload(SECRET, { ...delivery, event: 'finding.opened\n' })).toThrow(
      'webhook signature: timestamp, delivery id and event must not hold a newline',
    );
  });
});
