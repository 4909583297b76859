import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';

interface ForeignKey {
  table: string;
  column: string;
  /** Whether an index (not partial) has this column first, as the database's checks need it. */
  indexed: boolean;
}

/** A row of FOREIGN_KEYS: PostgreSQL answers `indexed` as a boolean, SQLite as 0 or 1. */
interface CatalogRow {
  table: string;
  column: string;
  columns: number;
  indexed: boolean | number;
}

/**
 * Every foreign key of the migrated schema with its first column, from the catalog. PostgreSQL
 * does not index a referencing column by itself; without an index, deleting a referenced row (a
 * retention prune's snapshot) reads the whole referencing table once per row.
 */
const FOREIGN_KEYS = {
  postgresql: `select c.conrelid::regclass::text as "table", a.attname as "column",
      cardinality(c.conkey) as columns,
      exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indpred is null
        and i.indkey[0] = c.conkey[1]) as indexed
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.connamespace = current_schema()::regnamespace`,
  sqlite: `select m.name as "table", f."from" as "column",
      (select count(*) from pragma_foreign_key_list(m.name) g where g.id = f.id) as columns,
      exists (select 1 from pragma_index_list(m.name) l join pragma_index_info(l.name) i
        where l.partial = 0 and i.seqno = 0 and i.name = f."from") as indexed
    from sqlite_master m join pragma_foreign_key_list(m.name) f
    where m.type = 'table'`,
};

describe.each(testDrivers)('foreign keys on $dialect', (driver) => {
  const t = useTestModel(driver);

  it('each have an index whose first column is the referencing column', async () => {
    const rows = await t.model.orm.em
      .getConnection()
      .execute<CatalogRow[]>(FOREIGN_KEYS[driver.dialect]);
    // A key over several columns needs them all leading an index: extend the query first.
    expect(rows.filter((r) => r.columns !== 1)).toEqual([]);
    const keys: ForeignKey[] = rows
      .map((r) => ({ table: r.table, column: r.column, indexed: Boolean(r.indexed) }))
      .sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
    // The catalog query sees the keys that point at a snapshot (a prune deletes those rows).
    expect(keys.map((k) => `${k.table}.${k.column}`)).toEqual(
      expect.arrayContaining([
        'snapshot.previous_id',
        'snapshot.content_hash',
        'finding.snapshot_id',
        'finding_event.snapshot_id',
        'access_review.snapshot_id',
        'review_decision.remediated_snapshot_id',
      ]),
    );
    expect(keys.filter((k) => !k.indexed)).toEqual([]);
  });
});
