import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  NO_ALLOWED_HOSTS,
  checkedLookup,
  namespaceUrlProblem,
  parseAllowedHosts,
  resolvedProblem,
} from './webhook-host-policy.js';

describe("a namespace's webhook URL", () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', /^must be an https URL/],
    [
      'https://169.254.169.254/latest/meta-data/',
      /^host 169\.254\.169\.254 is a link-local address/,
    ],
    [
      'https://kubernetes.default.svc/api',
      /^host kubernetes\.default\.svc is a name inside the cluster/,
    ],
    ['https://kubernetes.default.svc.cluster.local./api', /is a name inside the cluster/],
    ['https://redis:6379/', /^host redis is a name inside the cluster/],
    ['http://10.0.0.1:6379/', /^must be an https URL/],
    ['https://10.0.0.1:6379/', /^host 10\.0\.0\.1 is a private address/],
    ['https://172.20.1.1/', /is a private address/],
    ['https://192.168.1.1/', /is a private address/],
    ['https://127.0.0.1:8443/', /is a loopback address/],
    ['https://2130706433/', /^host 127\.0\.0\.1 is a loopback address/],
    ['https://0.0.0.0/', /is an unspecified address/],
    ['https://100.64.0.10/', /carrier-grade NAT/],
    ['https://[fd00:ec2::254]/', /^host fd00:ec2::254 is a private \(unique local\) address/],
    ['https://[fe80::1]/', /is a link-local address/],
    ['https://[::1]/', /is a loopback address/],
    ['https://[::]/', /is an unspecified address/],
    ['https://[::ffff:10.0.0.1]/', /is a private address/],
    ['https://localhost/', /is this machine/],
  ])('refuses %s', (url, problem) => {
    const found = namespaceUrlProblem(url, NO_ALLOWED_HOSTS);
    expect(found).toMatch(problem);
    expect(found).not.toContain('meta-data');
  });

  it('accepts a public https URL, and names the allowlist in what it refuses', () => {
    expect(namespaceUrlProblem('https://hooks.slack.com/services/T/B/x', NO_ALLOWED_HOSTS)).toBe(
      undefined,
    );
    expect(namespaceUrlProblem('https://10.0.0.1/', NO_ALLOWED_HOSTS)).toContain(
      'ALERT_WEBHOOK_ALLOWED_HOSTS (chart: alerts.allowedHosts)',
    );
  });

  it('lets the allowlist permit a host, a domain, an address or a range: any scheme, any address', () => {
    const allowed = parseAllowedHosts(['receiver.monitoring.svc', '*.corp.example', '127.0.0.0/8']);
    expect(namespaceUrlProblem('http://receiver.monitoring.svc:8080/x', allowed)).toBeUndefined();
    expect(namespaceUrlProblem('http://hooks.corp.example/x', allowed)).toBeUndefined();
    expect(namespaceUrlProblem('http://127.0.0.1:9/x', allowed)).toBeUndefined();
    expect(namespaceUrlProblem('https://other.monitoring.svc/x', allowed)).toMatch(
      /inside the cluster/,
    );
    expect(namespaceUrlProblem('https://10.0.0.1/x', allowed)).toMatch(/private address/);
  });
});

describe('the address a host name resolves to', () => {
  const resolvingTo =
    (...addresses: string[]) =>
    async (): Promise<LookupAddress[]> =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a public-looking name that resolves inside, naming the address', async () => {
    await expect(
      resolvedProblem(
        'https://hooks.evil.test/x',
        NO_ALLOWED_HOSTS,
        resolvingTo('203.0.113.5', '10.0.0.7'),
      ),
    ).resolves.toMatch(/^host hooks\.evil\.test resolves to 10\.0\.0\.7, a private address/);
    await expect(
      resolvedProblem('https://hooks.example/x', NO_ALLOWED_HOSTS, resolvingTo('203.0.113.5')),
    ).resolves.toBeUndefined();
    // Not resolvable now: the delivery says so, the Secret is not called invalid for it.
    await expect(
      resolvedProblem('https://hooks.example/x', NO_ALLOWED_HOSTS, () =>
        Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })),
      ),
    ).resolves.toBeUndefined();
    const allowed = parseAllowedHosts(['10.0.0.0/24']);
    await expect(
      resolvedProblem('https://hooks.evil.test/x', allowed, resolvingTo('10.0.0.7')),
    ).resolves.toBeUndefined();
  });

  it('refuses the connection at delivery when the name resolves to a refused address', async () => {
    const lookup = checkedLookup(NO_ALLOWED_HOSTS);
    const outcome = await new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      lookup('localhost', {}, (error, address) => resolve({ error, address })),
    );
    expect(outcome.error?.name).toBe('RefusedAddressError');
    expect(outcome.error?.message).toMatch(
      /^host localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
    );

    const allowedLookup = checkedLookup(parseAllowedHosts(['localhost']));
    const allowedOutcome = await new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      allowedLookup('localhost', { all: true }, (error, address) => resolve({ error, address })),
    );
    expect(allowedOutcome.error).toBeNull();
    expect(allowedOutcome.address).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]),
    );
  });

  it('reads the allowlist, naming an entry it cannot read', () => {
    expect(() => parseAllowedHosts(['10.0.0.0/8', 'hooks internal'])).toThrow(
      '"hooks internal" is not a host name, *.domain, address or CIDR range',
    );
    expect(() => parseAllowedHosts(['fd00::/129'])).toThrow(
      '"fd00::/129" is not an address or CIDR range',
    );
  });

  // The chart's schema takes IPv6 with or without brackets, with a /prefix after them.
  it('reads a bracketed IPv6 address or range, the prefix after the brackets', () => {
    const allowed = parseAllowedHosts(['[fd00::1]/64', '[FD01::7]']);
    expect(namespaceUrlProblem('https://[fd00::abcd]/x', allowed)).toBeUndefined();
    expect(namespaceUrlProblem('http://[fd01::7]:8080/x', allowed)).toBeUndefined();
    expect(namespaceUrlProblem('https://[fd01::8]/x', allowed)).toMatch(/private \(unique local\)/);
    expect(namespaceUrlProblem('https://[fd00:0:0:1::1]/x', allowed)).toMatch(/private/);
  });

  it.each([
    '[fd00::1',
    'fd00::1]/64',
    '[fd00::1/64]',
    '[10.0.0.1]',
    '[hooks.internal]',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/0x8',
    '[fd00::1]/',
  ])('refuses %s, naming it', (entry) => {
    expect(() => parseAllowedHosts([entry])).toThrow(`"${entry}" is not`);
  });
});
