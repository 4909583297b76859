import type { ConnectionRef, Database } from '@xero-access/model';

/** Open findings of a connection counted by `check\u0000severity` (for the metrics). */
export async function openFindingSeries(
  db: Database,
  ref: ConnectionRef,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await db.findings.list(
      { connection: ref, status: 'open' },
      { limit: 500, ...(cursor ? { cursor } : {}) },
    );
    for (const f of page.items) {
      const key = `${f.check}\u0000${f.severity}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return counts;
}
