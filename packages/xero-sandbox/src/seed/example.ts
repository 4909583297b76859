import type { Seed } from './schema.js';

/** Stable ids so the demo's staff directory and account links can refer to these people. */
export const EXAMPLE_IDS = {
  acmeTenantId: '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01',
  paymentsTenantId: '9c1d2e3f-6a7b-4c8d-8e9f-1a2b3c4d5e02',
  users: {
    oliviaChen: '11111111-1111-4111-8111-000000000001',
    liamPatel: '11111111-1111-4111-8111-000000000002',
    sophieMartin: '11111111-1111-4111-8111-000000000003',
    noahWilliams: '11111111-1111-4111-8111-000000000004',
    emmaBrown: '11111111-1111-4111-8111-000000000005',
    jackTaylor: '11111111-1111-4111-8111-000000000006',
    graceWilson: '11111111-1111-4111-8111-000000000007',
    syncService: '11111111-1111-4111-8111-000000000008',
    benHarris: '11111111-1111-4111-8111-000000000009',
  },
} as const;

const at = (iso: string): string => iso;

/**
 * The built-in organisations the demo uses.
 * - Acme Finance Ltd (NZ), connected by an authorization-code grant. Its users include an
 *   adviser from an outside firm, a service account, a leaver (Emma Brown: offboarded in the
 *   demo's staff directory, still in Xero), an unknown user (Jack Taylor, a personal address
 *   nobody in the directory owns) and one already-removed user.
 * - Acme Payments Pty Ltd (AU), reached by a custom connection (client_credentials).
 */
export function exampleSeed(): Seed {
  const u = EXAMPLE_IDS.users;
  return {
    loginUser: {
      xeroUserId: '22222222-2222-4222-8222-000000000001',
      email: 'olivia.chen@acme.example',
      firstName: 'Olivia',
      lastName: 'Chen',
    },
    tenants: [
      {
        tenantId: EXAMPLE_IDS.acmeTenantId,
        name: 'Acme Finance Ltd',
        countryCode: 'NZ',
        version: 'NZ',
        baseCurrency: 'NZD',
        timezone: 'NEWZEALANDSTANDARDTIME',
        createdDateUtc: at('2021-03-01T09:00:00Z'),
        currencies: [
          { code: 'NZD', description: 'New Zealand Dollar' },
          { code: 'AUD', description: 'Australian Dollar' },
          { code: 'USD', description: 'United States Dollar' },
        ],
        users: [
          {
            userId: u.oliviaChen,
            email: 'olivia.chen@acme.example',
            firstName: 'Olivia',
            lastName: 'Chen',
            organisationRole: 'STANDARD',
            isSubscriber: true,
            updatedDateUtc: at('2024-01-10T08:00:00Z'),
          },
          {
            userId: u.liamPatel,
            email: 'liam.patel@acme.example',
            firstName: 'Liam',
            lastName: 'Patel',
            organisationRole: 'STANDARD',
            updatedDateUtc: at('2024-02-12T08:00:00Z'),
          },
          {
            userId: u.sophieMartin,
            email: 'Sophie.Martin@acme.example',
            firstName: 'Sophie',
            lastName: 'Martin',
            organisationRole: 'READONLY',
            updatedDateUtc: at('2024-03-15T08:00:00Z'),
          },
          {
            userId: u.noahWilliams,
            email: 'noah.williams@acme.example',
            firstName: 'Noah',
            lastName: 'Williams',
            organisationRole: 'INVOICEONLY',
            updatedDateUtc: at('2024-04-20T08:00:00Z'),
          },
          {
            userId: u.emmaBrown,
            email: 'emma.brown@acme.example',
            firstName: 'Emma',
            lastName: 'Brown',
            organisationRole: 'STANDARD',
            updatedDateUtc: at('2024-05-02T08:00:00Z'),
          },
          {
            userId: u.jackTaylor,
            email: 'jack.taylor.1987@gmail.example',
            firstName: 'Jack',
            lastName: 'Taylor',
            organisationRole: 'STANDARD',
            updatedDateUtc: at('2025-06-30T08:00:00Z'),
          },
          {
            userId: u.graceWilson,
            email: 'grace.wilson@ledgerwise-advisers.example',
            firstName: 'Grace',
            lastName: 'Wilson',
            organisationRole: 'FINANCIALADVISER',
            updatedDateUtc: at('2024-07-01T08:00:00Z'),
          },
          {
            userId: u.syncService,
            email: 'xero-sync@acme.example',
            firstName: 'Sync',
            lastName: 'Service',
            organisationRole: 'READONLY',
            updatedDateUtc: at('2024-08-08T08:00:00Z'),
          },
          {
            userId: u.benHarris,
            email: 'ben.harris@acme.example',
            firstName: 'Ben',
            lastName: 'Harris',
            organisationRole: 'REMOVED',
            updatedDateUtc: at('2023-11-30T08:00:00Z'),
          },
        ],
      },
      {
        tenantId: EXAMPLE_IDS.paymentsTenantId,
        name: 'Acme Payments Pty Ltd',
        countryCode: 'AU',
        version: 'AU',
        baseCurrency: 'AUD',
        timezone: 'AUSEASTERNSTANDARDTIME',
        createdDateUtc: at('2022-07-01T00:00:00Z'),
        users: [
          {
            userId: '33333333-3333-4333-8333-000000000001',
            email: 'olivia.chen@acme.example',
            firstName: 'Olivia',
            lastName: 'Chen',
            organisationRole: 'STANDARD',
            isSubscriber: true,
            updatedDateUtc: at('2024-01-10T08:00:00Z'),
          },
          {
            userId: '33333333-3333-4333-8333-000000000002',
            email: 'mia.nguyen@acme.example',
            firstName: 'Mia',
            lastName: 'Nguyen',
            organisationRole: 'STANDARD',
            updatedDateUtc: at('2024-09-09T08:00:00Z'),
          },
          {
            userId: '33333333-3333-4333-8333-000000000003',
            email: 'grace.wilson@ledgerwise-advisers.example',
            firstName: 'Grace',
            lastName: 'Wilson',
            organisationRole: 'FINANCIALADVISER',
            updatedDateUtc: at('2024-07-01T08:00:00Z'),
          },
        ],
      },
    ],
    apps: [
      { name: 'Xero Access Operator' },
      {
        name: 'Xero Access Operator (custom connection)',
        customConnection: { tenant: 'Acme Payments Pty Ltd', scopes: ['accounting.settings.read'] },
      },
    ],
    grants: [
      {
        app: 'Xero Access Operator',
        tenants: ['Acme Finance Ltd'],
        scopes: ['openid', 'profile', 'email', 'offline_access', 'accounting.settings.read'],
      },
    ],
  };
}
