import type { Clock, LimitConfig } from '../config.js';
import { appTenantKey, type RateLimitProblem, type StatsRecorder } from '../state/stats.js';
import { SlidingLog } from './sliding-log.js';

export type LimitHeaders = Record<string, string>;

export type Admission =
  | { ok: true; headers: LimitHeaders; release: () => void }
  | { ok: false; headers: LimitHeaders; problem: RateLimitProblem; retryAfterSeconds: number };

interface TenantCounters {
  minute: SlidingLog;
  day: SlidingLog;
  inFlight: number;
}

interface ForcedLimit {
  problem: RateLimitProblem;
  retryAfterSeconds: number;
  remaining: number;
  /** Only calls for this tenant; any tenant when undefined. */
  tenantId: string | undefined;
}

const retryAfter = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Xero's limits: per app per tenant 5 in flight, N per minute, M per day (another app calling the
 * same tenant has its own); per app K per minute across tenants. Windows are rolling (sliding logs): a client that never exceeds them can never be
 * surprised by a window boundary. Refused calls do not count against any window.
 */
export class RateLimiter {
  private readonly tenants = new Map<string, TenantCounters>();
  private readonly apps = new Map<string, SlidingLog>();
  private forced: ForcedLimit[] = [];

  constructor(
    private readonly limits: LimitConfig,
    private readonly clock: Clock,
    private readonly stats: StatsRecorder,
  ) {}

  /** Makes the next `count` calls (for one tenant, or any) answer 429 with this problem. */
  force(
    problem: RateLimitProblem,
    retryAfterSeconds: number,
    count: number,
    tenantId?: string,
  ): void {
    this.forced.push({ problem, retryAfterSeconds, remaining: count, tenantId });
  }

  /** Admits one accounting call for (app, tenant), or says which limit refuses it. */
  admit(clientId: string, tenantId: string): Admission {
    const now = this.clock.now();
    const { limits } = this;
    const app = this.appLog(clientId);
    const tenant = this.tenantCounters(this.tenantKey(clientId, tenantId));
    const appCount = app.count(now, limits.minuteWindowMs);
    const dayCount = tenant.day.count(now, limits.dayWindowMs);
    const minuteCount = tenant.minute.count(now, limits.minuteWindowMs);

    const refuse = (problem: RateLimitProblem, waitSeconds: number): Admission => {
      this.stats.rateLimited(problem);
      return {
        ok: false,
        problem,
        retryAfterSeconds: waitSeconds,
        headers: this.headerValues(appCount, dayCount, minuteCount),
      };
    };

    const forced = this.forced.find((f) => f.tenantId === undefined || f.tenantId === tenantId);
    if (forced) {
      forced.remaining -= 1;
      if (forced.remaining === 0) this.forced.splice(this.forced.indexOf(forced), 1);
      return refuse(forced.problem, forced.retryAfterSeconds);
    }
    if (dayCount >= limits.tenantPerDay) {
      return refuse('day', retryAfter(tenant.day.msUntilSlotFrees(now, limits.dayWindowMs)));
    }
    if (appCount >= limits.appPerMinute) {
      return refuse('appminute', retryAfter(app.msUntilSlotFrees(now, limits.minuteWindowMs)));
    }
    if (minuteCount >= limits.tenantPerMinute) {
      return refuse(
        'minute',
        retryAfter(tenant.minute.msUntilSlotFrees(now, limits.minuteWindowMs)),
      );
    }
    if (tenant.inFlight >= limits.tenantConcurrent) return refuse('concurrent', 1);

    app.record(now);
    tenant.day.record(now);
    tenant.minute.record(now);
    tenant.inFlight += 1;
    this.stats.inFlight(tenantId, tenant.inFlight);
    this.stats.apiCallAccepted(tenantId, clientId);
    let released = false;
    return {
      ok: true,
      headers: this.headerValues(appCount + 1, dayCount + 1, minuteCount + 1),
      release: () => {
        if (released) return;
        released = true;
        tenant.inFlight -= 1;
      },
    };
  }

  /**
   * The three headers for an answer that counts no call (401, 403, GET and DELETE /connections,
   * an unknown path, an injected fault): the budgets as they stand. Where nothing of the caller's
   * counts (an app the token does not reveal, no tenant it may call) the budget is whole. Looks
   * only: unknown ids from unauthenticated requests create no counters.
   */
  standingHeaders(caller: { clientId?: string; tenantId?: string } = {}): LimitHeaders {
    const now = this.clock.now();
    const { limits } = this;
    const app = caller.clientId === undefined ? undefined : this.apps.get(caller.clientId);
    const tenant =
      caller.clientId === undefined || caller.tenantId === undefined
        ? undefined
        : this.tenants.get(this.tenantKey(caller.clientId, caller.tenantId));
    return this.headerValues(
      app?.count(now, limits.minuteWindowMs) ?? 0,
      tenant?.day.count(now, limits.dayWindowMs) ?? 0,
      tenant?.minute.count(now, limits.minuteWindowMs) ?? 0,
    );
  }

  /** Xero counts the tenant limits for each app on its own. */
  private tenantKey(clientId: string, tenantId: string): string {
    return appTenantKey(clientId, tenantId);
  }

  private headerValues(appCount: number, dayCount: number, minuteCount: number): LimitHeaders {
    const { limits } = this;
    return {
      'X-DayLimit-Remaining': String(Math.max(0, limits.tenantPerDay - dayCount)),
      'X-MinLimit-Remaining': String(Math.max(0, limits.tenantPerMinute - minuteCount)),
      'X-AppMinLimit-Remaining': String(Math.max(0, limits.appPerMinute - appCount)),
    };
  }

  private appLog(clientId: string): SlidingLog {
    let log = this.apps.get(clientId);
    if (!log) this.apps.set(clientId, (log = new SlidingLog()));
    return log;
  }

  private tenantCounters(tenantId: string): TenantCounters {
    let counters = this.tenants.get(tenantId);
    if (!counters) {
      counters = { minute: new SlidingLog(), day: new SlidingLog(), inFlight: 0 };
      this.tenants.set(tenantId, counters);
    }
    return counters;
  }
}
