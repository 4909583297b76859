import { createOrm, type ModelOrm } from '@xero-access/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import type { SyncedTenant } from '../sync/tenant-sync.js';
import { memorySink } from '../test/memory-sink.js';
import { recordSnapshots } from './record-snapshots.js';

const ref = { namespace: 'finance', name: 'acme' };

const synced = (takenAt: string): SyncedTenant => ({
  tenantId: '11111111-1111-4111-8111-111111111111',
  tenantName: 'Acme',
  tenantType: 'ORGANISATION',
  connectionId: 'c-1',
  users: [{ userId: 'u1', organisationRole: 'STANDARD' } as SyncedTenant['users'][number]],
  takenAt: new Date(takenAt),
});

describe('recording a sync on a replica whose clock is behind', () => {
  let model: ModelOrm;
  beforeAll(async () => {
    model = await createOrm({ url: 'sqlite::memory:', migrate: true });
  });
  afterAll(() => model?.close());

  it('records it 1 ms after the previous snapshot, dates the sync so, and warns how far behind', async () => {
    const { sink, lines } = memorySink();
    const logger = createLogger('info', sink);
    await recordSnapshots(
      model.db,
      ref,
      { synced: [synced('2026-12-01T10:00:30Z')], failed: [] },
      false,
      logger,
    );
    expect(lines()).toEqual([]);

    // The next leader's clock is 20 s behind the last one's.
    const { recorded } = await recordSnapshots(
      model.db,
      ref,
      { synced: [synced('2026-12-01T10:00:10Z')], failed: [] },
      false,
      logger,
    );
    expect(recorded[0]!.snapshot.takenAt).toEqual(new Date('2026-12-01T10:00:30.001Z'));
    expect((await model.db.connections.get(ref))?.lastSyncAt).toEqual(
      new Date('2026-12-01T10:00:30.001Z'),
    );
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        connection: 'finance/acme',
        tenantId: '11111111-1111-4111-8111-111111111111',
        behindMs: 20_000,
        recordedTakenAt: '2026-12-01T10:00:30.001Z',
      }),
    ]);
  });
});
