import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../orm/database-url.js';
import type { ModelOrm } from '../orm/create-orm.js';
import { testDrivers, type TestModel } from '../test/drivers.js';

const BEFORE_DROP = 'Migration20261207090000_staff_live_external_id';
const DROP = 'Migration20261207093000_drop_finding_status_last_seen_index';

/** The columns of each index on the finding table, by index name, in index order. */
async function findingIndexes(
  model: ModelOrm,
  dialect: Dialect,
): Promise<Record<string, string[]>> {
  const connection = model.orm.em.getConnection();
  if (dialect === 'postgresql') {
    const rows = await connection.execute<{ index: string; column: string }[]>(
      `select i.relname as index, a.attname as column
         from pg_index x
         join pg_class i on i.oid = x.indexrelid
         join pg_class t on t.oid = x.indrelid
         cross join lateral unnest(x.indkey) with ordinality as k(attnum, position)
         join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
        where t.relname = 'finding'
        order by i.relname, k.position`,
    );
    const indexes: Record<string, string[]> = {};
    for (const r of rows) (indexes[r.index] ??= []).push(r.column);
    return indexes;
  }
  const names = await connection.execute<{ name: string }[]>(
    `select name from sqlite_master where type = 'index' and tbl_name = 'finding'`,
  );
  const indexes: Record<string, string[]> = {};
  for (const { name } of names) {
    const columns = await connection.execute<{ seqno: number; name: string }[]>(
      `select seqno, name from pragma_index_info(?) order by seqno`,
      [name],
    );
    indexes[name] = columns.map((c) => c.name);
  }
  return indexes;
}

describe.each(testDrivers)('dropping finding_status_last_seen_index on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
  });
  afterAll(async () => t?.dispose());

  it('drops the index on up and restores it on down, leaving the other finding indexes', async () => {
    const migrator = t.model.orm.getMigrator();
    await migrator.up({ to: BEFORE_DROP });
    const before = await findingIndexes(t.model, driver.dialect);
    expect(before.finding_status_last_seen_index).toEqual(['status', 'last_seen_at', 'id']);

    expect((await migrator.up({ to: DROP })).map((m) => m.name)).toEqual([DROP]);
    const after = await findingIndexes(t.model, driver.dialect);
    expect(after.finding_status_last_seen_index).toBeUndefined();
    const { finding_status_last_seen_index: _dropped, ...others } = before;
    expect(after).toEqual(others);

    expect((await migrator.down()).map((m) => m.name)).toEqual([DROP]);
    expect(await findingIndexes(t.model, driver.dialect)).toEqual(before);
  });
});
