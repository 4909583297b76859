import type { Clock } from '../config.js';
import type { RateLimiter } from '../api/rate-limiter.js';
import type { FaultSettings, FaultState } from '../faults/faults.js';
import {
  ORGANISATION_ROLES,
  seedUserSchema,
  type OrganisationRole,
  type SeedUser,
} from '../seed/schema.js';
import type { UserRecord } from '../state/model.js';
import type { RateLimitProblem, SandboxStats, StatsRecorder } from '../state/stats.js';
import type { SandboxStore } from '../state/store.js';
import { newUuid } from '../util/ids.js';

export interface UserPatch {
  email?: string;
  firstName?: string;
  lastName?: string;
  organisationRole?: OrganisationRole;
  isSubscriber?: boolean;
}

const PROBLEMS: readonly RateLimitProblem[] = ['minute', 'day', 'appminute', 'concurrent'];

/** Changes the world under a running sandbox: people joining and leaving, revocations, faults. */
export class SandboxAdmin {
  constructor(
    private readonly store: SandboxStore,
    private readonly faultState: FaultState,
    private readonly limiter: RateLimiter,
    private readonly recorder: StatsRecorder,
    private readonly clock: Clock,
  ) {}

  /** Joiner: adds a user to an organisation. */
  addUser(tenantId: string, user: SeedUser): UserRecord {
    const tenant = this.store.requireTenant(tenantId.toLowerCase());
    const parsed = seedUserSchema.safeParse(user);
    if (!parsed.success) {
      throw new Error(
        `user: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const userId = (parsed.data.userId ?? newUuid()).toLowerCase();
    if (tenant.users.has(userId))
      throw new Error(`user.userId: ${userId} already exists in tenant ${tenant.tenantId}`);
    const record: UserRecord = {
      userId,
      email: parsed.data.email,
      firstName: parsed.data.firstName,
      lastName: parsed.data.lastName,
      organisationRole: parsed.data.organisationRole,
      isSubscriber: parsed.data.isSubscriber,
      updatedAt: this.clock.now(),
    };
    tenant.users.set(userId, record);
    return { ...record };
  }

  /** Changes a user's fields (role change, rename); UpdatedDateUTC moves forward. */
  updateUser(tenantId: string, userId: string, patch: UserPatch): UserRecord {
    const user = this.requireUser(tenantId, userId);
    if (
      patch.organisationRole !== undefined &&
      !ORGANISATION_ROLES.includes(patch.organisationRole)
    ) {
      throw new Error(
        `organisationRole: must be one of ${ORGANISATION_ROLES.join(', ')}, got ${String(patch.organisationRole)}`,
      );
    }
    for (const key of ['email', 'firstName', 'lastName'] as const) {
      const value = patch[key];
      if (value !== undefined) user[key] = value;
    }
    if (patch.organisationRole !== undefined) user.organisationRole = patch.organisationRole;
    if (patch.isSubscriber !== undefined) user.isSubscriber = patch.isSubscriber;
    user.updatedAt = Math.max(this.clock.now(), user.updatedAt + 1);
    return { ...user };
  }

  setUserRole(tenantId: string, userId: string, role: OrganisationRole): UserRecord {
    return this.updateUser(tenantId, userId, { organisationRole: role });
  }

  /**
   * Leaver: by default the user stays listed with role REMOVED (as Xero reports removed users);
   * `hard` deletes the user from the organisation entirely.
   */
  removeUser(tenantId: string, userId: string, options: { hard?: boolean } = {}): void {
    if (options.hard) {
      const tenant = this.store.requireTenant(tenantId.toLowerCase());
      if (!tenant.users.delete(userId.toLowerCase()))
        throw new Error(`userId: ${userId} not found in tenant ${tenantId}`);
      return;
    }
    this.setUserRole(tenantId, userId, 'REMOVED');
  }

  listUsers(tenantId: string): UserRecord[] {
    return [...this.store.requireTenant(tenantId.toLowerCase()).users.values()].map((u) => ({
      ...u,
    }));
  }

  /** Revokes a grant: its refresh tokens answer invalid_grant and its tenants are disconnected. */
  revokeGrant(grantId: string): void {
    const grant = this.store.requireGrant(grantId);
    grant.revoked = true;
    grant.connections.clear();
  }

  /** Disconnects a tenant from every grant (of one app when clientId is given). Returns how many connections went. */
  disconnectTenant(tenantId: string, clientId?: string): number {
    const id = tenantId.toLowerCase();
    this.store.requireTenant(id);
    let removed = 0;
    for (const grant of this.store.grants.values()) {
      if (clientId !== undefined && grant.clientId !== clientId) continue;
      for (const [connectionId, connection] of grant.connections) {
        if (connection.tenantId === id) {
          grant.connections.delete(connectionId);
          removed += 1;
        }
      }
    }
    return removed;
  }

  /** Takes a scope away from a grant: tokens already issued lose it too. */
  removeScope(grantId: string, scope: string): void {
    const grant = this.store.requireGrant(grantId);
    if (!grant.scopes.delete(scope))
      throw new Error(`scope: grant ${grantId} does not hold ${scope}`);
  }

  /** Makes every access token (of one grant, if given) expired now: the API answers 401 TokenExpired. */
  expireAccessTokens(grantId?: string): number {
    const now = this.clock.now();
    let expired = 0;
    for (const record of this.store.accessTokens.values()) {
      if (grantId !== undefined && record.grantId !== grantId) continue;
      if (record.expiresAt > now) {
        record.expiresAt = now;
        expired += 1;
      }
    }
    return expired;
  }

  setFaults(settings: FaultSettings): void {
    // An unknown organisation would make the fault hit nothing: say so.
    if (Array.isArray(settings.forbidden)) {
      settings.forbidden.forEach((f, i) => {
        const id = typeof f?.tenantId === 'string' ? f.tenantId.trim().toLowerCase() : undefined;
        if (id !== undefined && !this.store.tenants.has(id))
          throw new Error(`faults.forbidden[${i}].tenantId: unknown tenant ${f.tenantId}`);
      });
    }
    this.faultState.set(settings);
  }

  clearFaults(): void {
    this.faultState.clear();
  }

  faults(): ReturnType<FaultState['describe']> {
    return this.faultState.describe();
  }

  /** The next `count` accounting calls (for `tenantId`, or any tenant) answer 429 with this problem and Retry-After. */
  forceRateLimit(
    problem: RateLimitProblem,
    retryAfterSeconds = 1,
    count = 1,
    tenantId?: string,
  ): void {
    if (!PROBLEMS.includes(problem))
      throw new Error(`problem: must be one of ${PROBLEMS.join(', ')}, got ${String(problem)}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
      throw new Error(
        `retryAfterSeconds: must be a non-negative integer, got ${retryAfterSeconds}`,
      );
    }
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`count: must be a positive integer, got ${count}`);
    const tenant =
      tenantId === undefined
        ? undefined
        : this.store.requireTenant(tenantId.toLowerCase()).tenantId;
    this.limiter.force(problem, retryAfterSeconds, count, tenant);
  }

  stats(): SandboxStats {
    return this.recorder.snapshot();
  }

  resetStats(): void {
    this.recorder.reset();
  }

  private requireUser(tenantId: string, userId: string): UserRecord {
    const tenant = this.store.requireTenant(tenantId.toLowerCase());
    const user = tenant.users.get(userId.toLowerCase());
    if (!user) throw new Error(`userId: ${userId} not found in tenant ${tenantId}`);
    return user;
  }
}
