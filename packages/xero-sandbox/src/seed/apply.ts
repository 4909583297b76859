import { createGrant } from '../state/grants.js';
import type { IdentityRecord, TenantRecord, UserRecord } from '../state/model.js';
import type { SandboxStore } from '../state/store.js';
import { newClientId, newClientSecret, newOpaqueToken, newUuid } from '../util/ids.js';
import { currencyName } from './currencies.js';
import type { ParsedSeed } from './schema.js';

export interface SeedAppInfo {
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  kind: 'standard' | 'custom-connection';
  /** For a custom connection: the one tenant it is bound to. */
  tenantId?: string;
  scopes?: string[];
}

export interface SeedTenantInfo {
  tenantId: string;
  name: string;
  userCount: number;
}

export interface SeedGrantInfo {
  grantId: string;
  authEventId: string;
  clientId: string;
  tenantIds: string[];
  connectionIds: string[];
  scopes: string[];
  refreshToken?: string;
}

/** What a seed created: the ids and secrets a test or the demo needs to talk to the sandbox. */
export interface SeedInfo {
  apps: SeedAppInfo[];
  tenants: SeedTenantInfo[];
  grants: SeedGrantInfo[];
}

export interface ApplySeedOptions {
  now: number;
  refreshTokenTtlMs: number;
}

const shortCodeFor = (tenantId: string): string => `!${tenantId.replace(/-/g, '').slice(0, 5)}`;

/** Loads a validated seed into the store and reports the ids and secrets it created. */
export function applySeed(
  store: SandboxStore,
  seed: ParsedSeed,
  options: ApplySeedOptions,
): SeedInfo {
  const { now } = options;
  const info: SeedInfo = { apps: [], tenants: [], grants: [] };

  for (const [index, t] of seed.tenants.entries()) {
    const tenantId = (t.tenantId ?? newUuid()).toLowerCase();
    if (store.tenants.has(tenantId))
      throw new Error(`invalid seed: tenants.${index}.tenantId: duplicate ${tenantId}`);
    const users = new Map<string, UserRecord>();
    for (const u of t.users) {
      const userId = (u.userId ?? newUuid()).toLowerCase();
      users.set(userId, {
        userId,
        email: u.email,
        firstName: u.firstName,
        lastName: u.lastName,
        organisationRole: u.organisationRole,
        isSubscriber: u.isSubscriber,
        updatedAt: u.updatedDateUtc ? Date.parse(u.updatedDateUtc) : now,
      });
    }
    const tenant: TenantRecord = {
      tenantId,
      name: t.name,
      legalName: t.legalName ?? t.name,
      tenantType: t.tenantType,
      shortCode: t.shortCode ?? shortCodeFor(tenantId),
      countryCode: t.countryCode,
      version: t.version,
      baseCurrency: t.baseCurrency,
      timezone: t.timezone,
      organisationType: t.organisationType,
      createdAt: t.createdDateUtc ? Date.parse(t.createdDateUtc) : now,
      currencies: t.currencies ?? [
        { code: t.baseCurrency, description: currencyName(t.baseCurrency) },
      ],
      users,
    };
    store.tenants.set(tenantId, tenant);
    info.tenants.push({ tenantId, name: tenant.name, userCount: users.size });
  }

  for (const [index, a] of seed.apps.entries()) {
    const clientId = a.clientId ?? newClientId();
    if (store.apps.has(clientId))
      throw new Error(`invalid seed: apps.${index}.clientId: duplicate ${clientId}`);
    const clientSecret = a.clientSecret ?? newClientSecret();
    store.apps.set(clientId, {
      name: a.name,
      clientId,
      clientSecret,
      redirectUris: a.redirectUris,
    });
    const appInfo: SeedAppInfo = {
      name: a.name,
      clientId,
      clientSecret,
      redirectUris: a.redirectUris,
      kind: a.customConnection ? 'custom-connection' : 'standard',
    };
    if (a.customConnection) {
      const tenant = store.findTenant(a.customConnection.tenant);
      if (!tenant) {
        throw new Error(
          `invalid seed: apps.${index}.customConnection.tenant: no tenant with id or name ${a.customConnection.tenant}`,
        );
      }
      const grant = createGrant(store, {
        clientId,
        kind: 'client_credentials',
        tenantIds: [tenant.tenantId],
        scopes: a.customConnection.scopes,
        now,
      });
      store.apps.get(clientId)!.customConnection = {
        tenantId: tenant.tenantId,
        scopes: a.customConnection.scopes,
        grantId: grant.grantId,
      };
      appInfo.tenantId = tenant.tenantId;
      appInfo.scopes = a.customConnection.scopes;
    }
    info.apps.push(appInfo);
  }

  if (seed.loginUser) store.loginUser = toIdentity(seed.loginUser);

  for (const [index, g] of seed.grants.entries()) {
    const app = store.findApp(g.app);
    if (!app)
      throw new Error(`invalid seed: grants.${index}.app: no app with clientId or name ${g.app}`);
    const tenantIds = g.tenants.map((ref, i) => {
      const tenant = store.findTenant(ref);
      if (!tenant)
        throw new Error(
          `invalid seed: grants.${index}.tenants.${i}: no tenant with id or name ${ref}`,
        );
      return tenant.tenantId;
    });
    const identity = g.authorizedBy ? toIdentity(g.authorizedBy) : store.loginUser;
    const grant = createGrant(store, {
      clientId: app.clientId,
      kind: 'authorization_code',
      tenantIds,
      scopes: g.scopes,
      now,
      ...(identity ? { identity } : {}),
      ...(g.authEventId ? { grantId: g.authEventId } : {}),
    });
    const grantInfo: SeedGrantInfo = {
      grantId: grant.grantId,
      authEventId: grant.grantId,
      clientId: app.clientId,
      tenantIds,
      connectionIds: [...grant.connections.keys()],
      scopes: [...grant.scopes],
    };
    if (grant.scopes.has('offline_access')) {
      const token = g.refreshToken ?? newOpaqueToken();
      store.refreshTokens.set(token, {
        token,
        grantId: grant.grantId,
        clientId: app.clientId,
        issuedAt: now,
        expiresAt: now + options.refreshTokenTtlMs,
      });
      grantInfo.refreshToken = token;
    }
    info.grants.push(grantInfo);
  }
  return info;
}

function toIdentity(person: {
  xeroUserId?: string | undefined;
  email: string;
  firstName: string;
  lastName: string;
}): IdentityRecord {
  return {
    xeroUserId: person.xeroUserId ?? newUuid(),
    email: person.email,
    firstName: person.firstName,
    lastName: person.lastName,
  };
}
