import { setTimeout as sleep } from 'node:timers/promises';

export type FaultTarget = 'api' | 'identity' | 'all';

/** Faults to inject; counts apply to the next N matching requests. */
export interface FaultSettings {
  /** Which routes the latency and counted faults hit (default `all`). Admin routes never. */
  target?: FaultTarget;
  /**
   * Added to every matching response, after the route did its work: API calls wait while holding
   * their in-flight slot; a token request has already rotated the refresh token, so a client that
   * gives up meanwhile has lost the new set (the case Xero's grace period is for).
   */
  latencyMs?: number;
  /** The next `count` matching requests answer with `status` (default 503). */
  serverErrors?: { count: number; status?: number };
  /** The next N matching requests have their TCP connection destroyed without an answer. */
  dropConnections?: number;
  /** The next N matching responses keep their status but carry a truncated, unparseable body. */
  malformedBodies?: number;
  /** Every token request answers `400 {"error":"invalid_client"}` until cleared. */
  invalidClient?: boolean;
  /** Every API request answers 401 until cleared. */
  unauthorized?: boolean;
  /**
   * Accounting calls for these organisations answer 403 AuthenticationUnsuccessful until cleared
   * (replaced as a whole when given), as Xero does when the grant's user lost access to one of its
   * organisations while the others answer: only `endpoint` (e.g. `Users`: Users and Users/{id})
   * when given, else every accounting call. The organisation stays in /connections.
   */
  forbidden?: ForbiddenFault[];
}

/** One organisation (and optionally one accounting endpoint) answering 403. */
export interface ForbiddenFault {
  tenantId: string;
  endpoint?: string;
}

export type FaultArea = 'api' | 'identity';

interface ActiveFaults {
  target: FaultTarget;
  latencyMs: number;
  serverErrors: number;
  serverErrorStatus: number;
  dropConnections: number;
  malformedBodies: number;
  invalidClient: boolean;
  unauthorized: boolean;
  forbidden: ForbiddenFault[];
}

const none = (): ActiveFaults => ({
  target: 'all',
  latencyMs: 0,
  serverErrors: 0,
  serverErrorStatus: 503,
  dropConnections: 0,
  malformedBodies: 0,
  invalidClient: false,
  unauthorized: false,
  forbidden: [],
});

const nonNegativeInteger = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`faults.${name}: must be a non-negative integer, got ${value}`);
  return value;
};

/** The fault switchboard: what the next requests should suffer. */
export class FaultState {
  private active: ActiveFaults = none();

  /** Merges settings into the active faults (fields left out keep their value). */
  set(settings: FaultSettings): void {
    const next = { ...this.active };
    if (settings.target !== undefined) {
      if (!['api', 'identity', 'all'].includes(settings.target)) {
        throw new Error(
          `faults.target: must be api, identity or all, got ${String(settings.target)}`,
        );
      }
      next.target = settings.target;
    }
    if (settings.latencyMs !== undefined)
      next.latencyMs = nonNegativeInteger('latencyMs', settings.latencyMs);
    if (settings.serverErrors !== undefined) {
      next.serverErrors = nonNegativeInteger('serverErrors.count', settings.serverErrors.count);
      const status = settings.serverErrors.status ?? 503;
      if (!Number.isInteger(status) || status < 500 || status > 599) {
        throw new Error(`faults.serverErrors.status: must be 500-599, got ${status}`);
      }
      next.serverErrorStatus = status;
    }
    if (settings.dropConnections !== undefined) {
      next.dropConnections = nonNegativeInteger('dropConnections', settings.dropConnections);
    }
    if (settings.malformedBodies !== undefined) {
      next.malformedBodies = nonNegativeInteger('malformedBodies', settings.malformedBodies);
    }
    if (settings.invalidClient !== undefined) next.invalidClient = Boolean(settings.invalidClient);
    if (settings.unauthorized !== undefined) next.unauthorized = Boolean(settings.unauthorized);
    if (settings.forbidden !== undefined) next.forbidden = forbiddenFaults(settings.forbidden);
    this.active = next;
  }

  clear(): void {
    this.active = none();
  }

  describe(): Required<Omit<FaultSettings, 'serverErrors'>> & {
    serverErrors: { count: number; status: number };
  } {
    const a = this.active;
    return {
      target: a.target,
      latencyMs: a.latencyMs,
      serverErrors: { count: a.serverErrors, status: a.serverErrorStatus },
      dropConnections: a.dropConnections,
      malformedBodies: a.malformedBodies,
      invalidClient: a.invalidClient,
      unauthorized: a.unauthorized,
      forbidden: a.forbidden.map((f) => ({ ...f })),
    };
  }

  private hits(area: FaultArea): boolean {
    return this.active.target === 'all' || this.active.target === area;
  }

  latencyFor(area: FaultArea): number {
    return this.hits(area) ? this.active.latencyMs : 0;
  }

  /** Waits out the latency set for this area (none: resolves at once). */
  async delay(area: FaultArea): Promise<void> {
    const latency = this.latencyFor(area);
    if (latency > 0) await sleep(latency);
  }

  takeDrop(area: FaultArea): boolean {
    if (!this.hits(area) || this.active.dropConnections === 0) return false;
    this.active.dropConnections -= 1;
    return true;
  }

  /** Returns the status to fail with, or undefined. */
  takeServerError(area: FaultArea): number | undefined {
    if (!this.hits(area) || this.active.serverErrors === 0) return undefined;
    this.active.serverErrors -= 1;
    return this.active.serverErrorStatus;
  }

  takeMalformed(area: FaultArea): boolean {
    if (!this.hits(area) || this.active.malformedBodies === 0) return false;
    this.active.malformedBodies -= 1;
    return true;
  }

  get invalidClient(): boolean {
    return this.active.invalidClient;
  }

  get unauthorized(): boolean {
    return this.active.unauthorized;
  }

  /** Whether an accounting call to `path` (after /api.xro/2.0/, e.g. `Users`) for this tenant answers 403. */
  forbids(tenantId: string, path: string): boolean {
    const id = tenantId.toLowerCase();
    const called = path.toLowerCase();
    return this.active.forbidden.some(
      (f) =>
        f.tenantId === id &&
        (f.endpoint === undefined || called === f.endpoint || called.startsWith(`${f.endpoint}/`)),
    );
  }
}

function forbiddenFaults(value: unknown): ForbiddenFault[] {
  if (!Array.isArray(value)) throw new Error('faults.forbidden: must be an array');
  return value.map((entry: unknown, i) => {
    const { tenantId, endpoint } = (entry ?? {}) as Record<string, unknown>;
    if (typeof tenantId !== 'string' || tenantId.trim() === '')
      throw new Error(`faults.forbidden[${i}].tenantId: must be a tenant id`);
    if (endpoint !== undefined && (typeof endpoint !== 'string' || endpoint.trim() === ''))
      throw new Error(`faults.forbidden[${i}].endpoint: must be an endpoint such as Users`);
    return {
      tenantId: tenantId.trim().toLowerCase(),
      ...(endpoint !== undefined
        ? {
            endpoint: endpoint
              .trim()
              .replace(/^\/+|\/+$/g, '')
              .toLowerCase(),
          }
        : {}),
    };
  });
}
