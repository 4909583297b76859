import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';

/** N organisations of M users, one Xero app, one consent (grant) per organisation. */
export function benchSeed(connections: number, usersPerTenant: number): Seed {
  const roles = ['STANDARD', 'READONLY', 'INVOICEONLY', 'STANDARD', 'FINANCIALADVISER'] as const;
  return {
    tenants: Array.from({ length: connections }, (_, i) => ({
      name: `Bench Org ${i}`,
      users: Array.from({ length: usersPerTenant }, (_, u) => ({
        email: `user${u}@org${i}.example`,
        firstName: `User${u}`,
        lastName: `Org${i}`,
        organisationRole: roles[u % roles.length]!,
      })),
    })),
    apps: [{ name: 'Bench Operator' }],
    grants: Array.from({ length: connections }, (_, i) => ({
      app: 'Bench Operator',
      tenants: [`Bench Org ${i}`],
      scopes: [...DEFAULT_SCOPES],
    })),
  } as Seed;
}
