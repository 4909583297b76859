import type {
  AccountLink,
  PolicyInput,
  RoleMapping,
  StaffMember,
  XeroUser,
} from '../generated/policy-input.js';

/** mulberry32: a tiny seeded PRNG, so every generated corpus is reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number) => random() < p;

const XERO_ROLES = [
  'READONLY',
  'INVOICEONLY',
  'STANDARD',
  'FINANCIALADVISER',
  'MANAGEDCLIENT',
  'CASHBOOKCLIENT',
  'REMOVED',
];
const ORG_ROLES = ['accountant', 'cfo', 'bookkeeper', 'sales', 'auditor'];
const NOW_MS = Date.parse('2026-11-22T00:00:00Z');
const HOUR_MS = 3_600_000;

function randomCase(random: Random, text: string): string {
  return [...text].map((c) => (chance(random, 0.3) ? c.toUpperCase() : c)).join('');
}

/** A timestamp in one of the RFC 3339 spellings the schema accepts: Z or an offset, with or without a fraction. */
function timestamp(random: Random, ms: number): string {
  const nanos = chance(random, 0.3) ? Math.floor(random() * 1e9) : 0;
  const offsetMinutes = chance(random, 0.3)
    ? pick(random, [-480, -150, 0, 60, 330, 600])
    : undefined;
  const local = new Date(ms + (offsetMinutes ?? 0) * 60_000).toISOString().slice(0, 19);
  const fraction = nanos ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  if (offsetMinutes === undefined) return `${local}${fraction}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Adversarial documents for the equivalence test: case-mangled, shared and blank emails, duplicated
 * staff ids, broken and doubled links, blank justifications, offboarding dates either side of
 * the grace period, odd timestamp spellings, every shape of role mapping.
 */
export function randomInput(seed: number, size = 30): PolicyInput {
  const random = seededRandom(seed);
  const userCount = 1 + Math.floor(random() * size);
  const graceHours = pick(random, [0, 1, 24, 24, 72]);
  const staff: StaffMember[] = [];
  const users: XeroUser[] = [];
  const accountLinks: AccountLink[] = [];
  for (let i = 0; i < userCount; i++) {
    const email = `person${Math.floor(random() * userCount * 1.2)}@example.com`;
    const userId = `u-${seed}-${i}`;
    users.push({
      userId,
      email: chance(random, 0.03) ? pick(random, ['', ' ']) : randomCase(random, email),
      firstName: chance(random, 0.1) ? null : `First${i}`,
      lastName: chance(random, 0.1) ? null : `Last${i}`,
      organisationRole: pick(random, XERO_ROLES),
      isSubscriber: chance(random, 0.05),
      updatedDateUtc: chance(random, 0.1)
        ? null
        : timestamp(random, NOW_MS - random() * 400 * 24 * HOUR_MS),
    });
    if (chance(random, 0.8)) {
      const offboarded = chance(random, 0.3);
      // Near the boundary on purpose: grace ± a few minutes, sometimes exactly on it.
      const offboardedMs =
        NOW_MS -
        graceHours * HOUR_MS +
        pick(random, [-7_200_000, -1, 0, 0, 1, 90_000, 3_600_000 * 50]);
      staff.push({
        id: chance(random, 0.05) && staff.length > 0 ? pick(random, staff).id : `s-${i}`,
        email: chance(random, 0.03)
          ? ''
          : chance(random, 0.85)
            ? randomCase(random, email)
            : `other${i}@example.com`,
        name: `Person ${i}`,
        orgRole: pick(random, ORG_ROLES),
        status: offboarded ? 'offboarded' : 'active',
        offboardedAt: offboarded && chance(random, 0.9) ? timestamp(random, offboardedMs) : null,
      });
    }
    const linkKind = random();
    if (linkKind < 0.1)
      accountLinks.push({ userId, staffId: staff.length > 0 ? pick(random, staff).id : 's-none' });
    else if (linkKind < 0.14) accountLinks.push({ userId, staffId: `s-missing-${i}` });
    else if (linkKind < 0.2)
      accountLinks.push({
        userId,
        nonHuman: true,
        justification: pick(random, ['', '  ', 'Payroll bot']),
      });
    if (linkKind < 0.03) accountLinks.push({ userId, staffId: `s-${i}` });
  }
  const mappings: RoleMapping[] = ORG_ROLES.filter(() => chance(random, 0.5)).map((orgRole) => {
    const shape = random();
    if (shape < 0.2) return { orgRole };
    if (shape < 0.35) return { orgRole, xeroRoles: [] };
    return { orgRole, xeroRoles: XERO_ROLES.filter(() => chance(random, 0.4)) };
  });
  const mappingShape = random();
  return {
    now: timestamp(random, NOW_MS),
    connection: {
      namespace: 'finance',
      name: `acme-${seed}`,
      criticalSystem: chance(random, 0.8),
      ...(mappingShape < 0.1
        ? {}
        : mappingShape < 0.2
          ? { accessControl: {} }
          : { accessControl: { roleMappings: mappings } }),
    },
    tenant: { tenantId: `tenant-${seed}`, tenantName: 'Acme' },
    users,
    staff,
    accountLinks,
    ...(chance(random, 0.2)
      ? {}
      : { settings: chance(random, 0.2) ? {} : { offboardingGraceHours: graceHours } }),
  };
}

/**
 * A realistic organisation for benchmarks: every user in the directory, a few links, and about
 * 3 % of users with something to report, so the cost measured is the checks, not the findings.
 */
export function realisticInput(userCount: number, seed = 1): PolicyInput {
  const random = seededRandom(seed);
  const users: XeroUser[] = [];
  const staff: StaffMember[] = [];
  const accountLinks: AccountLink[] = [];
  for (let i = 0; i < userCount; i++) {
    const userId = `7b1c9d0e-${String(i).padStart(4, '0').slice(-4)}-4a5b-8c6d-${String(i).padStart(12, '0')}`;
    const email = `person.${i}@acme.example`;
    const roll = random();
    const orgRole = pick(random, ['accountant', 'bookkeeper', 'cfo']);
    users.push({
      userId,
      email: i % 3 === 0 ? email.toUpperCase() : email,
      firstName: 'Person',
      lastName: String(i),
      organisationRole:
        roll < 0.01
          ? 'INVOICEONLY'
          : roll < 0.05
            ? 'REMOVED'
            : orgRole === 'bookkeeper'
              ? 'READONLY'
              : 'STANDARD',
      isSubscriber: i === 0,
      updatedDateUtc: '2026-10-01T09:00:00Z',
    });
    if (roll > 0.99) continue; // ~1 % unidentified
    const offboarded = roll > 0.98;
    staff.push({
      id: `staff-${i}`,
      email,
      name: `Person ${i}`,
      orgRole,
      status: offboarded ? 'offboarded' : 'active',
      offboardedAt: offboarded ? '2026-11-01T00:00:00Z' : null,
    });
    if (roll < 0.1) accountLinks.push({ userId, staffId: `staff-${i}` });
  }
  return {
    now: '2026-11-22T00:00:00Z',
    connection: {
      namespace: 'finance',
      name: 'acme',
      criticalSystem: true,
      accessControl: {
        roleMappings: [
          { orgRole: 'accountant', xeroRoles: ['STANDARD'] },
          { orgRole: 'bookkeeper', xeroRoles: ['READONLY', 'INVOICEONLY'] },
          { orgRole: 'cfo', xeroRoles: [] },
        ],
      },
    },
    tenant: { tenantId: '9d2a6bb4-3c1e-4b8f-9a57-1f3c2d4e5f60', tenantName: 'Acme Ltd' },
    users,
    staff,
    accountLinks,
    settings: { offboardingGraceHours: 24 },
  };
}
