import { randomUUID } from 'node:crypto';
import pg from 'pg';

export const CONNECTIONS = 20;
export const TENANTS_PER_CONNECTION = 2;
export const CHECKS = [
  'user-identified',
  'offboarded-access-removed',
  'critical-system-access-valid',
  'critical-system-access-configured',
] as const;
const SEVERITY: Record<(typeof CHECKS)[number], string> = {
  'user-identified': 'medium',
  'offboarded-access-removed': 'high',
  'critical-system-access-valid': 'medium',
  'critical-system-access-configured': 'high',
};
const BATCH = 20_000;
const START = Date.parse('2024-11-01T00:00:00Z');
const SPAN_MS = 2 * 365 * 86_400_000;

export const connectionName = (i: number) => `conn-${String(i).padStart(2, '0')}`;
export const tenantId = (c: number, t: number) => `tenant-${c}-${t}`;

/**
 * Inserts `total` findings spread over 20 connections × 2 tenants × 4 checks, with statuses
 * 70% resolved / 25% open / 5% accepted and first-seen times over two years. Multi-row INSERT
 * from arrays (`unnest`), 20,000 rows per statement. Returns the connection namespace.
 */
export async function seedFindings(
  url: string,
  total: number,
  log: (line: string) => void,
): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const namespace = 'bench';
  try {
    const connectionIds: string[] = [];
    for (let c = 0; c < CONNECTIONS; c++) {
      const id = randomUUID();
      connectionIds.push(id);
      const tenants = [0, 1].map((t) => ({
        tenantId: tenantId(c, t),
        tenantName: `Tenant ${c}-${t}`,
        connectionId: null,
      }));
      await client.query(
        `insert into connection (id, namespace, name, tenants, critical_system, created_at, updated_at) values ($1, $2, $3, $4, true, now(), now())`,
        [id, namespace, connectionName(c), JSON.stringify(tenants)],
      );
    }
    const started = Date.now();
    for (let offset = 0; offset < total; offset += BATCH) {
      const n = Math.min(BATCH, total - offset);
      const cols = {
        id: [] as string[],
        conn: [] as string[],
        tenant: [] as string[],
        check: [] as string[],
        subject: [] as string[],
        severity: [] as string[],
        status: [] as string[],
        first: [] as string[],
        last: [] as string[],
        message: [] as string[],
      };
      for (let k = 0; k < n; k++) {
        const i = offset + k;
        const c = i % CONNECTIONS;
        const t = Math.floor(i / CONNECTIONS) % TENANTS_PER_CONNECTION;
        const check =
          CHECKS[Math.floor(i / (CONNECTIONS * TENANTS_PER_CONNECTION)) % CHECKS.length]!;
        const subject = `user-${Math.floor(i / (CONNECTIONS * TENANTS_PER_CONNECTION * CHECKS.length))}`;
        const r = (i * 40503) % 100;
        // A multiplicative hash spreads first-seen times over the whole span in no particular order.
        const first = START + Math.floor((((i * 2654435761) % 1_000_003) / 1_000_003) * SPAN_MS);
        cols.id.push(randomUUID());
        cols.conn.push(connectionIds[c]!);
        cols.tenant.push(tenantId(c, t));
        cols.check.push(check);
        cols.subject.push(subject);
        cols.severity.push(SEVERITY[check]);
        cols.status.push(r < 70 ? 'resolved' : r < 95 ? 'open' : 'accepted');
        cols.first.push(new Date(first).toISOString());
        cols.last.push(new Date(first + ((i * 31) % 86_400_000) * 30).toISOString());
        cols.message.push(`${check} for ${subject}`);
      }
      await client.query(
        `insert into finding (id, connection_id, tenant_id, "check", subject_kind, subject_id, severity, status, message, first_seen_at, last_seen_at, updated_at)
         select id, conn, tenant, chk, 'user', subject, severity, status, message, first, last, last
         from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])
           as t(id, conn, tenant, chk, subject, severity, status, message, first, last)`,
        [
          cols.id,
          cols.conn,
          cols.tenant,
          cols.check,
          cols.subject,
          cols.severity,
          cols.status,
          cols.message,
          cols.first,
          cols.last,
        ],
      );
      if ((offset / BATCH) % 10 === 0)
        log(`  ${offset + n} findings (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    await client.query('analyze');
    log(`inserted ${total} findings in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await client.end();
  }
  return namespace;
}
