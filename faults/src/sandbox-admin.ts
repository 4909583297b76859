import type { FaultSettings, SandboxStats } from '@xero-access/xero-sandbox';

/** The Xero sandbox's admin API (packages/xero-sandbox README, "Admin: faults and changes"). */
export class SandboxAdmin {
  constructor(private readonly adminUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.adminUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`sandbox ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  setFaults(settings: FaultSettings) {
    return this.call('PUT', '/faults', settings);
  }
  clearFaults() {
    return this.call('DELETE', '/faults');
  }
  stats() {
    return this.call<SandboxStats>('GET', '/stats');
  }
  resetStats() {
    return this.call('POST', '/stats/reset');
  }
  removeUser(tenantId: string, userId: string) {
    return this.call('DELETE', `/tenants/${tenantId}/users/${userId}`);
  }
}

export type { SandboxStats };

/** Every request the sandbox answered on its API (faulted ones included), from its stats. */
export const apiRequests = (stats: SandboxStats) =>
  Object.values(stats.apiResponses ?? {}).reduce((a, b) => a + b, 0);
export const tokenRequests = (stats: SandboxStats) =>
  Object.values(stats.tokenCalls ?? {}).reduce((a, b) => a + b, 0);
/** Token sets handed out on refresh: new ones, and grace-period answers with an issued one. */
export const tokenSetsIssued = (stats: SandboxStats) =>
  stats.refreshRotations + stats.refreshGraceReplays;
