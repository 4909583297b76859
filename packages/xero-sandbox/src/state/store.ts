import type {
  AccessTokenRecord,
  AppRecord,
  AuthCodeRecord,
  ConnectionRecord,
  GrantRecord,
  IdentityRecord,
  RefreshTokenRecord,
  TenantRecord,
} from './model.js';

/** Everything the sandbox knows, in memory. All mutation goes through these maps. */
export class SandboxStore {
  readonly apps = new Map<string, AppRecord>();
  readonly tenants = new Map<string, TenantRecord>();
  readonly grants = new Map<string, GrantRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly authCodes = new Map<string, AuthCodeRecord>();
  loginUser?: IdentityRecord;

  requireTenant(tenantId: string): TenantRecord {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) throw new Error(`unknown tenantId ${tenantId}`);
    return tenant;
  }

  requireGrant(grantId: string): GrantRecord {
    const grant = this.grants.get(grantId);
    if (!grant) throw new Error(`unknown grantId ${grantId}`);
    return grant;
  }

  /** Finds a tenant by id first, then by exact name (the first tenant of that name). */
  findTenant(idOrName: string): TenantRecord | undefined {
    const byId = this.tenants.get(idOrName.toLowerCase());
    if (byId) return byId;
    return this.tenantsByName().get(idOrName);
  }

  private nameIndex: { size: number; byName: Map<string, TenantRecord> } | undefined;

  /** Seeds with 10,000 tenants refer to them by name: index instead of scanning per reference. */
  private tenantsByName(): Map<string, TenantRecord> {
    if (!this.nameIndex || this.nameIndex.size !== this.tenants.size) {
      const byName = new Map<string, TenantRecord>();
      for (const tenant of this.tenants.values())
        if (!byName.has(tenant.name)) byName.set(tenant.name, tenant);
      this.nameIndex = { size: this.tenants.size, byName };
    }
    return this.nameIndex.byName;
  }

  /** Finds an app by client id first, then by exact name. */
  findApp(idOrName: string): AppRecord | undefined {
    const byId = this.apps.get(idOrName);
    if (byId) return byId;
    for (const app of this.apps.values()) if (app.name === idOrName) return app;
    return undefined;
  }

  private readonly connectionIndex = new WeakMap<GrantRecord, Map<string, ConnectionRecord>>();

  /**
   * The grant's connection to a tenant. Indexed, because one grant may hold 10,000 tenants and
   * this runs on every API call. Connections are only added when a grant is created, so an
   * index entry can only go stale by deletion, which the identity check detects.
   */
  connectionForTenant(grant: GrantRecord, tenantId: string): ConnectionRecord | undefined {
    const index = this.connectionIndex.get(grant);
    const cached = index?.get(tenantId);
    if (index && (cached === undefined || grant.connections.get(cached.id) === cached))
      return cached;
    const rebuilt = new Map<string, ConnectionRecord>();
    for (const connection of grant.connections.values())
      rebuilt.set(connection.tenantId, connection);
    this.connectionIndex.set(grant, rebuilt);
    return rebuilt.get(tenantId);
  }

  /**
   * Forgets what can no longer be used, so long runs keep memory bounded: expired access
   * tokens, expired codes, and refresh tokens that expired or were spent longer ago than the
   * grace window. (A forgotten token answers exactly as a spent one would: 401 / invalid_grant.)
   */
  pruneUnusable(now: number, graceMs: number): void {
    for (const [token, record] of this.accessTokens)
      if (record.expiresAt <= now) this.accessTokens.delete(token);
    for (const [code, record] of this.authCodes)
      if (record.expiresAt <= now) this.authCodes.delete(code);
    for (const [token, record] of this.refreshTokens) {
      const spentLongAgo = record.rotatedAt !== undefined && now - record.rotatedAt > graceMs;
      if (spentLongAgo || record.expiresAt <= now) this.refreshTokens.delete(token);
    }
  }
}
