import { ORGANISATION_ROLES, type Seed, type SeedTenant, type SeedUser } from './schema.js';

export interface GenerateSeedOptions {
  /** How many organisations (default 1). */
  tenants?: number;
  /** Users in each organisation (default 5). */
  usersPerTenant?: number;
  /** Seed for the pseudo-random generator: the same seed gives the same ids (default 1). */
  randomSeed?: number;
  /** Also create a custom-connection app bound to the first organisation (default true). */
  customConnection?: boolean;
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Amelia',
  'Noah',
  'Isla',
  'Jack',
  'Ava',
  'Leo',
  'Mia',
  'Oliver',
  'Grace',
  'Hugo',
  'Ruby',
  'Theo',
  'Zoe',
  'Arlo',
];
const LAST_NAMES = [
  'Smith',
  'Williams',
  'Brown',
  'Wilson',
  'Taylor',
  'Chen',
  'Patel',
  'Singh',
  'Martin',
  'Nguyen',
  'Walker',
  'Harris',
  'King',
  'Young',
];
/** Mostly STANDARD and READONLY, as real organisations are. */
const ROLE_WEIGHTS: [SeedUser['organisationRole'], number][] = [
  ['STANDARD', 45],
  ['READONLY', 25],
  ['INVOICEONLY', 10],
  ['FINANCIALADVISER', 8],
  ['CASHBOOKCLIENT', 4],
  ['MANAGEDCLIENT', 3],
  ['REMOVED', 5],
];

const positiveInteger = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name}: must be a positive integer, got ${value}`);
  return value;
};

/** Builds a large seed: N organisations of M users, one app and one grant connecting all of them. */
export function generateSeed(options: GenerateSeedOptions = {}): Seed {
  const tenantCount = positiveInteger('tenants', options.tenants ?? 1);
  const usersPerTenant = positiveInteger('usersPerTenant', options.usersPerTenant ?? 5);
  const random = prng(options.randomSeed ?? 1);
  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i += 1) out += Math.floor(random() * 16).toString(16);
    return out;
  };
  const uuid = (): string =>
    `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const totalWeight = ROLE_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  const role = (): SeedUser['organisationRole'] => {
    let r = random() * totalWeight;
    for (const [name, weight] of ROLE_WEIGHTS) if ((r -= weight) < 0) return name;
    return ORGANISATION_ROLES[2];
  };
  const epoch = Date.UTC(2024, 0, 1);

  const tenants: SeedTenant[] = [];
  for (let t = 0; t < tenantCount; t += 1) {
    const tenantId = uuid();
    const users: SeedUser[] = [];
    for (let u = 0; u < usersPerTenant; u += 1) {
      const firstName = pick(FIRST_NAMES);
      const lastName = pick(LAST_NAMES);
      users.push({
        userId: uuid(),
        email: `${firstName}.${lastName}.${u}@org${t}.example`.toLowerCase(),
        firstName,
        lastName,
        organisationRole: u === 0 ? 'STANDARD' : role(),
        isSubscriber: u === 0,
        updatedDateUtc: new Date(epoch + Math.floor(random() * 600) * 86_400_000).toISOString(),
      });
    }
    tenants.push({ tenantId, name: `Generated Organisation ${t + 1}`, users });
  }
  const tenantIds = tenants.map((t) => t.tenantId!);
  return {
    tenants,
    apps: [
      { name: 'Generated App', clientId: hex(32).toUpperCase() },
      ...(options.customConnection === false
        ? []
        : [
            {
              name: 'Generated Custom Connection',
              customConnection: { tenant: tenantIds[0]!, scopes: ['accounting.settings.read'] },
            },
          ]),
    ],
    grants: [
      {
        app: 'Generated App',
        tenants: tenantIds,
        scopes: ['openid', 'profile', 'email', 'offline_access', 'accounting.settings.read'],
      },
    ],
  };
}
