import { newHexId, newUuid } from '../util/ids.js';
import type { GrantRecord, IdentityRecord } from './model.js';
import type { SandboxStore } from './store.js';

export interface NewGrant {
  clientId: string;
  kind: GrantRecord['kind'];
  tenantIds: string[];
  scopes: Iterable<string>;
  identity?: IdentityRecord;
  grantId?: string;
  now: number;
}

/** Records one consent and connects its tenants (each connection gets its own id, as at Xero). */
export function createGrant(store: SandboxStore, input: NewGrant): GrantRecord {
  const grant: GrantRecord = {
    grantId: input.grantId ?? newUuid(),
    clientId: input.clientId,
    kind: input.kind,
    scopes: new Set(input.scopes),
    connections: new Map(),
    revoked: false,
    sessionId: newHexId(),
    createdAt: input.now,
    ...(input.identity ? { identity: input.identity } : {}),
  };
  for (const tenantId of new Set(input.tenantIds)) {
    store.requireTenant(tenantId);
    const id = newUuid();
    grant.connections.set(id, { id, tenantId, createdAt: input.now, updatedAt: input.now });
  }
  store.grants.set(grant.grantId, grant);
  return grant;
}
