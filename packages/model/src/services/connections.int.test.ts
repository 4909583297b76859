import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at } from '../test/fixtures.js';

describe.each(testDrivers)('connections on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  it('keeps the first time of deletion when a finalizer retries, and a new sync undeletes', async () => {
    await db().connections.upsert(acme, {}, at('2026-11-01T00:00:00Z'));
    await db().connections.markDeleted(acme, at('2026-11-02T00:00:00Z'));
    const retried = await db().connections.markDeleted(acme, at('2026-11-02T00:05:00Z'));
    expect(retried.deletedAt).toEqual(at('2026-11-02T00:00:00Z'));
    expect(await db().connections.list()).not.toContainEqual(expect.objectContaining(acme));

    const recreated = await db().connections.upsert(acme, {}, at('2026-11-03T00:00:00Z'));
    expect(recreated.deletedAt).toBeNull();
    const deletedAgain = await db().connections.markDeleted(acme, at('2026-11-04T00:00:00Z'));
    expect(deletedAgain.deletedAt).toEqual(at('2026-11-04T00:00:00Z'));
  });
});
