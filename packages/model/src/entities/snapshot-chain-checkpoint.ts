import { EntitySchema } from '@mikro-orm/core';
import { Connection } from './connection.js';

/**
 * Where a tenant's chain starts once its oldest snapshots were pruned (retention): the last
 * pruned snapshot's sequence and chainHash, which the first remaining snapshot's previousHash
 * must equal. One per connection + tenant, moved forward by each prune; never deleted. An
 * auditor holding an earlier export finds this chainHash at this sequence in it.
 */
export class SnapshotChainCheckpoint {
  id!: string;
  connection!: Connection;
  tenantId!: string;
  sequence!: number;
  chainHash!: string;
  /** The pruned-through snapshot's takenAt. */
  takenAt!: Date;
  /** When the checkpoint last moved. */
  updatedAt!: Date;
}

export const SnapshotChainCheckpointSchema = new EntitySchema<SnapshotChainCheckpoint>({
  class: SnapshotChainCheckpoint,
  tableName: 'snapshot_chain_checkpoint',
  properties: {
    id: { type: 'uuid', primary: true },
    connection: { kind: 'm:1', entity: () => Connection, deleteRule: 'restrict' },
    tenantId: { type: 'string', length: 64 },
    sequence: { type: 'integer' },
    chainHash: { type: 'string', length: 64 },
    takenAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
  uniques: [
    { name: 'snapshot_chain_checkpoint_tenant_unique', properties: ['connection', 'tenantId'] },
  ],
});
