import { listXeroConnections, type AdminClient } from '@xero-access/stack';
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'vitest';

/** Snapshot ids and finding ids with their status: what a scenario must not lose. */
export interface Evidence {
  snapshots: string[];
  findings: Map<string, string>;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function allPages<T>(admin: AdminClient, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await admin.request<Page<T>>(
      'GET',
      `${path}${separator}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/**
 * The evidence of every XeroConnection in the cluster, read through the admin API (whichever
 * database the stack runs on).
 */
export async function evidenceViaAdminApi(kc: KubeConfig, admin: AdminClient): Promise<Evidence> {
  const snapshots: string[] = [];
  for (const xc of await listXeroConnections(kc)) {
    const key = `${xc.metadata.namespace}/${xc.metadata.name}`;
    const items = await allPages<{ id: string }>(
      admin,
      `/snapshots?connection=${encodeURIComponent(key)}`,
    );
    snapshots.push(...items.map((s) => s.id));
  }
  const findings = await allPages<{ id: string; status: string }>(admin, '/findings');
  return {
    snapshots: snapshots.sort(),
    findings: new Map(findings.map((f) => [f.id, f.status])),
  };
}

/** Ids present before and missing after: snapshots and findings lost. */
export function lostEvidence(before: Evidence, after: Evidence): string[] {
  const kept = new Set(after.snapshots);
  return [
    ...before.snapshots.filter((id) => !kept.has(id)).map((id) => `snapshot ${id}`),
    ...[...before.findings.keys()]
      .filter((id) => !after.findings.has(id))
      .map((id) => `finding ${id}`),
  ];
}

/** "snapshots 2 → 3, findings 5 → 5": the counts a result row reports. */
export function describeEvidence(before: Evidence, after: Evidence): string {
  return `snapshots ${before.snapshots.length} → ${after.snapshots.length}, findings ${before.findings.size} → ${after.findings.size} (every id from before present after)`;
}

/** Asserts that every snapshot and finding from before is still there; the row's data-loss fields. */
export function expectNothingLost(
  before: Evidence,
  after: Evidence,
): { dataLost: number; dataChecked: string } {
  const lost = lostEvidence(before, after);
  const dataChecked = describeEvidence(before, after);
  console.log(dataChecked);
  expect(lost).toEqual([]);
  return { dataLost: lost.length, dataChecked };
}
