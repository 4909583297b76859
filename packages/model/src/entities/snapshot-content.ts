import { EntitySchema, type PrimaryKeyProp } from '@mikro-orm/core';

/**
 * The users of a snapshot, content-addressed: `text` is the canonical JSON whose sha256 is
 * `hash`. Unchanged syncs share one row, so an hourly sync of a stable tenant costs one small
 * snapshot row, not a copy of every user. Write-once.
 */
export class SnapshotContent {
  declare [PrimaryKeyProp]?: 'hash';
  hash!: string;
  text!: string;
  userCount!: number;
  createdAt!: Date;
}

export const SnapshotContentSchema = new EntitySchema<SnapshotContent>({
  class: SnapshotContent,
  tableName: 'snapshot_content',
  properties: {
    hash: { type: 'string', length: 64, primary: true },
    text: { type: 'text' },
    userCount: { type: 'integer' },
    createdAt: { type: 'datetime' },
  },
});
