import { z } from 'zod';

/** Every role the Users API can report (xero_accounting.yaml, User.OrganisationRole). */
export const ORGANISATION_ROLES = [
  'READONLY',
  'INVOICEONLY',
  'STANDARD',
  'FINANCIALADVISER',
  'MANAGEDCLIENT',
  'CASHBOOKCLIENT',
  'UNKNOWN',
  'REMOVED',
] as const;
export type OrganisationRole = (typeof ORGANISATION_ROLES)[number];

const isoDateTime = z.iso.datetime({ offset: true });

export const seedUserSchema = z.object({
  userId: z.uuid().optional(),
  email: z.string().min(1),
  firstName: z.string(),
  lastName: z.string(),
  organisationRole: z.enum(ORGANISATION_ROLES),
  isSubscriber: z.boolean().default(false),
  updatedDateUtc: isoDateTime.optional(),
});

export const seedCurrencySchema = z.object({
  code: z.string().length(3),
  description: z.string(),
});

export const seedTenantSchema = z.object({
  tenantId: z.uuid().optional(),
  name: z.string().min(1),
  legalName: z.string().optional(),
  tenantType: z.enum(['ORGANISATION', 'PRACTICE']).default('ORGANISATION'),
  shortCode: z.string().optional(),
  countryCode: z.string().length(2).default('NZ'),
  version: z.enum(['AU', 'NZ', 'GLOBAL', 'UK', 'US']).default('NZ'),
  baseCurrency: z.string().length(3).default('NZD'),
  timezone: z.string().default('NEWZEALANDSTANDARDTIME'),
  organisationType: z.string().default('COMPANY'),
  createdDateUtc: isoDateTime.optional(),
  currencies: z.array(seedCurrencySchema).optional(),
  users: z.array(seedUserSchema).default([]),
});

export const seedCustomConnectionSchema = z.object({
  /** tenantId or tenant name of the one organisation this custom connection is bound to. */
  tenant: z.string().min(1),
  scopes: z.array(z.string().min(1)).min(1),
});

export const seedAppSchema = z.object({
  name: z.string().min(1),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  redirectUris: z.array(z.url()).default([]),
  customConnection: seedCustomConnectionSchema.optional(),
});

export const seedIdentitySchema = z.object({
  /** Xero user id of the person who authorised the grant (the id_token `xero_userid`). */
  xeroUserId: z.uuid().optional(),
  email: z.string().min(1),
  firstName: z.string(),
  lastName: z.string(),
});

export const seedGrantSchema = z.object({
  /** clientId or app name. */
  app: z.string().min(1),
  /** tenantIds or tenant names the person connected. */
  tenants: z.array(z.string().min(1)).min(1),
  scopes: z.array(z.string().min(1)).min(1),
  authorizedBy: seedIdentitySchema.optional(),
  /** Fixed initial refresh token (generated when omitted). */
  refreshToken: z.string().min(16).optional(),
  authEventId: z.uuid().optional(),
});

export const seedSchema = z.object({
  apps: z.array(seedAppSchema).default([]),
  tenants: z.array(seedTenantSchema).default([]),
  grants: z.array(seedGrantSchema).default([]),
  /** The person who logs in at the authorize step when the request names nobody. */
  loginUser: seedIdentitySchema.optional(),
});

/** A seed as written by hand (defaults may be omitted). */
export type Seed = z.input<typeof seedSchema>;
export type ParsedSeed = z.output<typeof seedSchema>;
export type SeedUser = z.input<typeof seedUserSchema>;
export type SeedTenant = z.input<typeof seedTenantSchema>;
export type SeedApp = z.input<typeof seedAppSchema>;
export type SeedGrant = z.input<typeof seedGrantSchema>;
export type SeedIdentity = z.input<typeof seedIdentitySchema>;

/** Validates a seed; the error names every offending field by its path. */
export function parseSeed(input: unknown): ParsedSeed {
  const result = seedSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`invalid seed: ${problems.join('; ')}`);
  }
  return result.data;
}
