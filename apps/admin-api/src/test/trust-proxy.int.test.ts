import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const FORGED_CALLBACK = '/connect/callback?code=abc&state=eyJub25jZSI6IngifQ.AAAA';

/** Calls the public, audited OAuth callback and returns the source IP its audit entry recorded. */
async function recordedSourceIp(
  h: Harness,
  remoteAddress: string,
  forwardedFor: string,
): Promise<string | null> {
  const userAgent = `trust-proxy-test/${Math.random()}`;
  const answer = await h.call('GET', FORGED_CALLBACK, {
    remoteAddress,
    headers: { 'x-forwarded-for': forwardedFor, 'user-agent': userAgent },
  });
  expect(answer.statusCode).toBe(400);
  const entries = await h.model.db.audit.list({ action: 'GET /connect/callback' }, { limit: 500 });
  const entry = entries.items.find((e) => e.userAgent === userAgent);
  expect(entry).toBeDefined();
  return entry!.sourceIp;
}

describe.each(DIALECTS)(
  'the audit log source IP with the default TRUST_PROXY on $dialect',
  ({ dialect }) => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(dialect);
    });
    afterAll(async () => h?.close());

    it('ignores X-Forwarded-For from any peer: another pod, or kubectl port-forward (loopback)', async () => {
      expect(h.deps.config.trustProxy).toEqual([]);
      expect(await recordedSourceIp(h, '10.244.3.17', '203.0.113.50')).toBe('10.244.3.17');
      expect(await recordedSourceIp(h, '192.168.1.20', '203.0.113.50')).toBe('192.168.1.20');
      expect(await recordedSourceIp(h, '127.0.0.1', '203.0.113.50')).toBe('127.0.0.1');
    });
  },
);

describe('the audit log source IP with TRUST_PROXY set to the ingress pods', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { config: { trustProxy: '10.244.0.0/16' } });
  });
  afterAll(async () => h?.close());

  it('believes X-Forwarded-For from those pods only', async () => {
    expect(await recordedSourceIp(h, '10.244.3.17', '203.0.113.50')).toBe('203.0.113.50');
    // The client the ingress saw is the last address it appended, whatever the client sent before.
    expect(await recordedSourceIp(h, '10.244.3.17', '198.51.100.9, 203.0.113.51')).toBe(
      '203.0.113.51',
    );
    expect(await recordedSourceIp(h, '10.245.0.4', '203.0.113.50')).toBe('10.245.0.4');
    expect(await recordedSourceIp(h, '127.0.0.1', '203.0.113.50')).toBe('127.0.0.1');
  });
});
