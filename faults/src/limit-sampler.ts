import { appTenantKey } from '@xero-access/xero-sandbox';
import type { SandboxAdmin } from './sandbox-admin.js';

/** The rate-limit parts of the sandbox's stats (packages/xero-sandbox README, "stats()"). */

interface Sample {
  at: number;
  phase: string;
  appCalls: number;
  tenantCalls: number;
  rateLimited: Record<string, number>;
  maxInFlight: number;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Samples the sandbox's accepted-call and 429 counters every `intervalMs`, labelled with the
 * scenario's phase, to measure per phase the most calls one app and one tenant got accepted in
 * any window (the rolling windows Xero and the sandbox count) and the 429s by problem.
 */
export class LimitSampler {
  readonly samples: Sample[] = [];
  private current = 'start';
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly sandbox: SandboxAdmin,
    private readonly appClientId: string,
    private readonly tenantId: string,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.pending = this.sample();
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pending;
    await this.sample();
  }

  /** Samples once (so the boundary is exact) and labels the samples that follow. */
  async phase(name: string): Promise<void> {
    await this.sample();
    this.current = name;
  }

  private async sample(): Promise<void> {
    const stats = await this.sandbox.stats();
    this.samples.push({
      at: Date.now(),
      phase: this.current,
      appCalls: stats.callsPerApp[this.appClientId] ?? 0,
      // Xero's tenant limits are per app: this app's calls to the tenant.
      tenantCalls: stats.callsPerAppTenant[appTenantKey(this.appClientId, this.tenantId)] ?? 0,
      rateLimited: { ...stats.rateLimited },
      maxInFlight: stats.maxInFlightPerTenant[this.tenantId] ?? 0,
    });
  }

  private sorted(): Sample[] {
    return [...this.samples].sort((a, b) => a.at - b.at);
  }

  /**
   * The most calls accepted in any `windowMs` ending during the phase (sampled, so it may miss up
   * to one interval's calls; the sandbox itself enforces the exact rolling window). `whole`: only
   * windows that lie entirely inside the phase (the phase's steady state, not its boundary).
   */
  maxInWindow(
    what: 'appCalls' | 'tenantCalls',
    windowMs: number,
    phase: string,
    whole = false,
  ): number {
    const s = this.sorted();
    let max = 0;
    let j = 0;
    for (let i = 0; i < s.length; i++) {
      while (s[i]!.at - s[j]!.at > windowMs) j++;
      if (s[i]!.phase !== phase || (whole && s[j]!.phase !== phase)) continue;
      max = Math.max(max, s[i]![what] - s[j]![what]);
    }
    return max;
  }

  /** 429s answered during the phase, by problem (minute, appminute, concurrent, day). */
  rateLimitedIn(phase: string): Record<string, number> {
    const s = this.sorted();
    const out: Record<string, number> = {};
    for (let i = 1; i < s.length; i++) {
      if (s[i]!.phase !== phase) continue;
      for (const [problem, count] of Object.entries(s[i]!.rateLimited))
        out[problem] = (out[problem] ?? 0) + count - (s[i - 1]!.rateLimited[problem] ?? 0);
    }
    return out;
  }

  callsIn(what: 'appCalls' | 'tenantCalls', phase: string): number {
    const s = this.sorted();
    let calls = 0;
    for (let i = 1; i < s.length; i++)
      if (s[i]!.phase === phase) calls += s[i]![what] - s[i - 1]![what];
    return calls;
  }

  /**
   * The longest stretch of the phase (ms) in which no call was accepted: a stall, if long.
   * `fromMs`: only the part of the phase from that moment (epoch ms) on.
   */
  longestStall(what: 'appCalls' | 'tenantCalls', phase: string, fromMs = 0): number {
    const s = this.sorted();
    let longest = 0;
    let since: Sample | undefined;
    for (let i = 1; i < s.length; i++) {
      if (s[i]!.phase !== phase || s[i - 1]!.at < fromMs) continue;
      since ??= s[i - 1]!;
      if (s[i]![what] > since[what]) since = s[i]!;
      else longest = Math.max(longest, s[i]!.at - since.at);
    }
    return longest;
  }

  maxInFlight(): number {
    return Math.max(0, ...this.samples.map((s) => s.maxInFlight));
  }

  static total = total;
}
