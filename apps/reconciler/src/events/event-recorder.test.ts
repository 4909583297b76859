import { describe, expect, it } from 'vitest';
import { eventName } from './event-recorder.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const now = new Date('2026-11-23T17:00:00Z');

describe('eventName', () => {
  it('is <object>.<time in hex> for a short name', () => {
    expect(eventName('acme', now, 0)).toBe(`acme.${(now.getTime() * 1000).toString(16)}`);
  });

  it('stays a valid name of at most 253 characters for the longest XeroConnection name', () => {
    const label = 'a'.repeat(63);
    const longest = `${label}.${label}.${label}.${'b'.repeat(61)}`;
    expect(longest).toHaveLength(253);
    const name = eventName(longest, now, 0.5);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(DNS_SUBDOMAIN);
    expect(name.startsWith(longest.slice(0, 200))).toBe(true);
  });

  it('does not leave a dot or dash where the name is cut', () => {
    const cutAtDot = `${'a'.repeat(238)}.${'c'.repeat(15)}`; // cut after 239 characters
    const cutAtDash = `${'a'.repeat(237)}--${'c'.repeat(15)}`;
    for (const object of [cutAtDot, cutAtDash])
      expect(eventName(object, now, 0)).toMatch(DNS_SUBDOMAIN);
  });
});
