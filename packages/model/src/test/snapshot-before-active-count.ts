import type { EntityManager, RequiredEntityData } from '@mikro-orm/core';
import type { Connection } from '../entities/connection.js';
import { Snapshot } from '../entities/snapshot.js';
import { SnapshotContent } from '../entities/snapshot-content.js';
import { chainHash, sha256Hex, snapshotContentText } from '../hashing/snapshot-hash.js';
import { newId } from '../ids.js';
import { connectionKey } from '../services/context.js';
import { diffUsers } from '../snapshots/diff.js';
import {
  normaliseSnapshotUsers,
  type SnapshotUser,
  type SnapshotUserInput,
} from '../snapshots/snapshot-user.js';

/**
 * Writes the tenant's next snapshot as `snapshots.record` did before
 * Migration20261207100000_snapshot_active_user_count: content, hashes and diff, but no active user
 * count (the column does not exist yet). For tests of that migration and of the ones before it.
 */
export async function recordSnapshotBeforeActiveCount(
  em: EntityManager,
  connection: Connection,
  tenant: { tenantId: string; tenantName: string },
  previous: Snapshot | null,
  input: SnapshotUserInput[],
  takenAt: Date,
): Promise<Snapshot> {
  const normalised = normaliseSnapshotUsers(input);
  const text = snapshotContentText(normalised);
  const contentHash = sha256Hex(text);
  if (!(await em.findOne(SnapshotContent, { hash: contentHash })))
    await em.insert(SnapshotContent, {
      hash: contentHash,
      text,
      userCount: normalised.length,
      createdAt: takenAt,
    });
  const previousUsers = previous
    ? (JSON.parse(
        (await em.findOneOrFail(SnapshotContent, previous.content.hash)).text,
      ) as SnapshotUser[])
    : [];
  const sequence = (previous?.sequence ?? 0) + 1;
  const previousHash = previous?.chainHash ?? null;
  const link = {
    connection: connectionKey(connection),
    ...tenant,
    sequence,
    takenAt,
    contentHash,
    previousHash,
  };
  const row: Omit<RequiredEntityData<Snapshot>, 'activeUserCount'> = {
    id: newId(),
    connection: connection.id,
    ...tenant,
    sequence,
    takenAt,
    userCount: normalised.length,
    content: contentHash,
    previous: previous?.id ?? null,
    previousHash,
    chainHash: chainHash(link),
    diff: diffUsers(previousUsers, normalised),
    createdAt: takenAt,
  };
  await em.insert(Snapshot, row as RequiredEntityData<Snapshot>);
  return em.findOneOrFail(Snapshot, row.id as string);
}
