import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * What ALERT_WEBHOOK_ALLOWED_HOSTS lets a namespace's webhook reach that it otherwise may not:
 * host names (`hooks.internal`, `*.internal` for any name below it), addresses and CIDR ranges.
 */
export interface AllowedHosts {
  names: ReadonlySet<string>;
  /** From `*.example`: `.example`. */
  suffixes: readonly string[];
  addresses: BlockList;
}

/** Addresses a namespace's webhook may not reach, by what they are. */
const REFUSED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];
const REFUSED_LISTS = REFUSED.map(([network, prefix, family, what]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, what };
});

const ALLOW_HINT =
  'if it is meant, the operator can allow it with ALERT_WEBHOOK_ALLOWED_HOSTS (chart: alerts.allowedHosts)';

const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** `[::1]` → `::1`, `Hooks.Example.` → `hooks.example`. */
function normalHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/**
 * An allowlist entry's host, its `/prefix` taken off: `[fd00::1]` → `fd00::1` (brackets only
 * around a whole IPv6 address), `Relay.Example.` → `relay.example`; undefined for brackets around
 * anything else, or unbalanced ones.
 */
function allowedEntryHost(host: string): string | undefined {
  const bracketed = /^\[(.*)\]$/.exec(host);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1]!.toLowerCase() : undefined;
  return /[[\]]/.test(host) ? undefined : normalHost(host);
}

/** Parses ALERT_WEBHOOK_ALLOWED_HOSTS entries; the error names the first one it cannot read. */
export function parseAllowedHosts(entries: readonly string[]): AllowedHosts {
  const names = new Set<string>();
  const suffixes: string[] = [];
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    // The brackets of `[fd00::1]/64` close before the prefix: take the prefix off first.
    const [host = '', prefix, ...rest] = entry.split('/');
    const address = allowedEntryHost(host);
    if (address === undefined) throw new Error(`"${entry}" is not an address or CIDR range`);
    if (isIP(address)) {
      const max = isIP(address) === 6 ? 128 : 32;
      // Digits only: `Number('')` is 0, and `10.0.0.0/` must not allow every address.
      const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (rest.length || !(bits <= max))
        throw new Error(`"${entry}" is not an address or CIDR range`);
      addresses.addSubnet(address, bits, familyOf(address));
    } else if (
      /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(address) &&
      prefix === undefined
    ) {
      if (address.startsWith('*.')) suffixes.push(address.slice(1));
      else names.add(address);
    } else {
      throw new Error(`"${entry}" is not a host name, *.domain, address or CIDR range`);
    }
  }
  return { names, suffixes, addresses };
}

export const NO_ALLOWED_HOSTS: AllowedHosts = parseAllowedHosts([]);

/** Whether the URL's host itself is allowed: then any scheme and any address will do. */
function hostAllowed(host: string, allowed: AllowedHosts): boolean {
  if (isIP(host)) return allowed.addresses.check(host, familyOf(host));
  return allowed.names.has(host) || allowed.suffixes.some((suffix) => host.endsWith(suffix));
}

/** What a resolved (or literal) address is that a namespace's webhook may not reach, if it is. */
export function addressProblem(address: string, allowed: AllowedHosts): string | undefined {
  const family = familyOf(address);
  if (allowed.addresses.check(address, family)) return undefined;
  return REFUSED_LISTS.find(({ list }) => list.check(address, family))?.what;
}

/** The first resolved address a namespace's webhook may not reach, and what it is, if any. */
function refusedAddress(
  addresses: readonly LookupAddress[],
  allowed: AllowedHosts,
): { address: string; what: string } | undefined {
  for (const { address } of addresses) {
    const what = addressProblem(address, allowed);
    if (what) return { address, what };
  }
  return undefined;
}

/**
 * Why a namespace-supplied webhook URL may not be used, before any lookup, or undefined: https
 * only, and no literal address or name inside the cluster or the host (loopback, link-local,
 * private, unspecified, `*.svc`, `*.cluster.local`, a name without a dot, which the cluster's DNS
 * search path completes) unless ALERT_WEBHOOK_ALLOWED_HOSTS allows the host. Names the host,
 * never the path or query.
 */
export function namespaceUrlProblem(target: string, allowed: AllowedHosts): string | undefined {
  const url = new URL(target);
  const host = normalHost(url.hostname);
  if (hostAllowed(host, allowed)) return undefined;
  if (url.protocol !== 'https:')
    return `must be an https URL (plain http only for a host allowed by ALERT_WEBHOOK_ALLOWED_HOSTS, chart: alerts.allowedHosts)`;
  if (isIP(host)) {
    const what = addressProblem(host, allowed);
    return what && `host ${host} is ${what}; ${ALLOW_HINT}`;
  }
  if (host === 'localhost' || host.endsWith('.localhost'))
    return `host ${host} is this machine; ${ALLOW_HINT}`;
  if (host.endsWith('.svc') || host.endsWith('.cluster.local') || !host.includes('.'))
    return `host ${host} is a name inside the cluster; ${ALLOW_HINT}`;
  return undefined;
}

type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

/** A check while a sync waits: a resolver that does not answer leaves it to the delivery. */
const RESOLVE_TIMEOUT_MS = 3_000;

const lookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * Why the URL's host resolves to an address a namespace's webhook may not reach, or undefined
 * (also when it does not resolve now: the delivery says so then). Delivery checks again.
 */
export async function resolvedProblem(
  target: string,
  allowed: AllowedHosts,
  resolve: LookupAll = lookupAll,
): Promise<string | undefined> {
  const host = normalHost(new URL(target).hostname);
  if (isIP(host) || hostAllowed(host, allowed)) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([
    resolve(host).catch(() => []),
    new Promise<LookupAddress[]>((done) => {
      timer = setTimeout(() => done([]), RESOLVE_TIMEOUT_MS).unref();
    }),
  ]).finally(() => clearTimeout(timer));
  const refused = refusedAddress(addresses, allowed);
  return refused && `host ${host} resolves to ${refused.address}, ${refused.what}; ${ALLOW_HINT}`;
}

/** A delivery's connection refused because its host resolved to an address it may not reach. */
export class RefusedAddressError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(host: string, address: string, what: string) {
    super(`host ${host} resolves to ${address}, ${what}: not connected`);
    this.name = 'RefusedAddressError';
  }
}

/**
 * The `lookup` of a namespace target's connection: resolves, refuses the connection when any
 * address is one it may not reach, and connects to the addresses it checked, so a DNS answer that
 * changes after the Secret was checked (DNS rebinding) cannot point a delivery inside.
 */
export function checkedLookup(allowed: AllowedHosts): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const host = normalHost(hostname);
      const refused = hostAllowed(host, allowed) ? undefined : refusedAddress(addresses, allowed);
      if (refused)
        return callback(new RefusedAddressError(host, refused.address, refused.what), '', 0);
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first)
        return callback(
          Object.assign(new Error(`${host}: no address`), { code: 'ENOTFOUND' }),
          '',
          0,
        );
      return callback(null, first.address, first.family);
    });
  };
}
