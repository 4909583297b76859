import type { ModelOrm } from '../orm/create-orm.js';

export interface Statement {
  sql: string;
  bindings: unknown[];
}

/** The statements `call` sends, as knex reports them. */
export async function statementsOf(
  model: ModelOrm,
  call: () => Promise<unknown>,
): Promise<Statement[]> {
  const knex = model.orm.em.getConnection().getKnex();
  const sent: Statement[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) =>
    sent.push({ sql: q.sql, bindings: q.bindings ?? [] });
  knex.on('query', listener);
  try {
    await call();
  } finally {
    knex.off('query', listener);
  }
  return sent;
}

/** How statements read the snapshot table, from the database's plans of them. */
export interface SnapshotReads {
  /**
   * The steps that read it whole: a scan without an index condition (a sequential scan, a full
   * index scan), or an aggregate over it (`group by`, `distinct`). SQLite's plan names full scans
   * and the aggregates it sorts for, but not a search that reads all of a connection's rows.
   */
  whole: string[];
  /** PostgreSQL: the snapshot rows its scans read, filtered out ones included (null on SQLite). */
  rows: number | null;
}

interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PgPlanNode[];
}

const AGGREGATES = new Set(['Aggregate', 'Unique', 'Group', 'SetOp']);

function readsSnapshot(node: PgPlanNode): boolean {
  return node['Relation Name'] === 'snapshot' || (node.Plans ?? []).some(readsSnapshot);
}

function pgReads(node: PgPlanNode, reads: { whole: string[]; rows: number }): void {
  const type = node['Node Type'];
  if (node['Relation Name'] === 'snapshot') {
    const step = `${type}${node['Index Name'] ? ` using ${node['Index Name']}` : ''} on snapshot`;
    if (type === 'Seq Scan' || (type.startsWith('Index') && !node['Index Cond']))
      reads.whole.push(step);
    reads.rows +=
      (node['Actual Rows'] +
        (node['Rows Removed by Filter'] ?? 0) +
        (node['Rows Removed by Index Recheck'] ?? 0)) *
      node['Actual Loops'];
  }
  if (AGGREGATES.has(type) && readsSnapshot(node)) reads.whole.push(`${type} over snapshot`);
  for (const child of node.Plans ?? []) pgReads(child, reads);
}

/**
 * Runs the statements under the database's planner (PostgreSQL: `explain analyze`, sequential
 * scans off, as a few rows would be scanned whole where what matters is that an index can serve
 * each step; SQLite: `explain query plan`). Read-only statements only: `analyze` runs them.
 */
export async function snapshotReads(
  model: ModelOrm,
  statements: Statement[],
): Promise<SnapshotReads> {
  const reads = { whole: [] as string[], rows: 0 };
  for (const { sql, bindings } of statements) {
    if (!/^\s*(with|select)\b/i.test(sql)) throw new Error(`not a read: ${sql}`);
    await model.orm.em.fork().transactional(async (em) => {
      if (model.dialect === 'postgresql') {
        await em.execute('set local enable_seqscan = off');
        // knex reports PostgreSQL's own placeholders; execute binds `?`.
        const [row] = await em.execute<{ 'QUERY PLAN': [{ Plan: PgPlanNode }] }[]>(
          `explain (analyze, format json) ${sql.replace(/\$\d+/g, '?')}`,
          bindings,
        );
        pgReads(row!['QUERY PLAN'][0].Plan, reads);
        return;
      }
      const aliases = new Set(
        [...sql.matchAll(/\bsnapshot\b["`]?\s+(?:as\s+)?["`]?(\w+)/gi)].map((m) => m[1]!),
      ).add('snapshot');
      const rows = await em.execute<{ detail: string }[]>(`explain query plan ${sql}`, bindings);
      for (const { detail } of rows) {
        const scanned = /^SCAN (\w+)/.exec(detail)?.[1];
        if ((scanned && aliases.has(scanned)) || /TEMP B-TREE FOR (GROUP BY|DISTINCT)/.test(detail))
          reads.whole.push(detail);
      }
    });
  }
  return { whole: reads.whole, rows: model.dialect === 'postgresql' ? reads.rows : null };
}
