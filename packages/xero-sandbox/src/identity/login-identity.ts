import type { IdentityRecord } from '../state/model.js';
import type { SandboxStore } from '../state/store.js';
import { newUuid } from '../util/ids.js';

const known = new WeakMap<SandboxStore, Map<string, IdentityRecord>>();

const remember = (store: SandboxStore, identity: IdentityRecord): IdentityRecord => {
  let byEmail = known.get(store);
  if (!byEmail) known.set(store, (byEmail = new Map()));
  const key = identity.email.toLowerCase();
  const existing = byEmail.get(key);
  if (existing) return existing;
  byEmail.set(key, identity);
  return identity;
};

/**
 * Who "logs in" at the authorize step: the person named by `sandbox_user` (an email), else the
 * seed's loginUser, else the first adviser of the first organisation. The same email always
 * yields the same Xero user id.
 */
export function loginIdentity(store: SandboxStore, email: string | undefined): IdentityRecord {
  if (email) {
    if (store.loginUser && store.loginUser.email.toLowerCase() === email.toLowerCase())
      return remember(store, store.loginUser);
    for (const tenant of store.tenants.values()) {
      for (const user of tenant.users.values()) {
        if (user.email.toLowerCase() === email.toLowerCase()) {
          return remember(store, {
            xeroUserId: newUuid(),
            email: user.email,
            firstName: user.firstName,
            lastName: user.lastName,
          });
        }
      }
    }
    return remember(store, {
      xeroUserId: newUuid(),
      email,
      firstName: 'Sandbox',
      lastName: 'User',
    });
  }
  if (store.loginUser) return remember(store, store.loginUser);
  const first = store.tenants.values().next().value;
  const adviser = first
    ? [...first.users.values()].find((u) => u.organisationRole === 'FINANCIALADVISER')
    : undefined;
  if (adviser) {
    return remember(store, {
      xeroUserId: newUuid(),
      email: adviser.email,
      firstName: adviser.firstName,
      lastName: adviser.lastName,
    });
  }
  return remember(store, {
    xeroUserId: newUuid(),
    email: 'sandbox.user@example.com',
    firstName: 'Sandbox',
    lastName: 'User',
  });
}

/** Tenants offered at consent: those where the person is a user (role not REMOVED), else all. */
export function consentCandidates(store: SandboxStore, identity: IdentityRecord): string[] {
  const email = identity.email.toLowerCase();
  const member: string[] = [];
  for (const tenant of store.tenants.values()) {
    for (const user of tenant.users.values()) {
      if (user.email.toLowerCase() === email && user.organisationRole !== 'REMOVED') {
        member.push(tenant.tenantId);
        break;
      }
    }
  }
  return member.length > 0 ? member : [...store.tenants.keys()];
}
