import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';
import { backfillActiveUserCounts } from './active-user-count-backfill.js';
import { redactStoredWebhookTargets } from './webhook-target-backfill.js';

export interface BackfillResult {
  /** Snapshots given their active user count by this run. */
  counted: number;
  /** Webhook targets an earlier version stored in full, redacted by this run. */
  redacted: number;
  /**
   * done: nothing is left to fill; time-up: the time ran out first; elsewhere: another process is
   * filling (PostgreSQL). What is left is filled by a later run (counts are computed when read).
   */
  state: 'done' | 'time-up' | 'elsewhere';
  /**
   * Set (true) when this run moved the changes feed's keys past the stored ones: the database was
   * restored into another server or back in time (PostgreSQL: rebaseFindingFeed, which every
   * process runs outside the backfill lock, so that none writes an event before it is done).
   */
  feedRebased?: true;
}

/**
 * What migrations leave to fill for the rows already stored, until done or `deadline` (epoch ms).
 * The targets first: they are few and hold credentials, where counting may take seconds a content.
 */
export async function backfill(
  orm: MikroORM<AbstractSqlDriver>,
  dialect: Dialect,
  deadline: number,
): Promise<BackfillResult> {
  const targets = await redactStoredWebhookTargets(() => orm.em.fork(), { deadline });
  if (targets.state !== 'done') return { counted: 0, redacted: targets.redacted, state: 'time-up' };
  const counts = await backfillActiveUserCounts(orm, dialect, deadline);
  return { counted: counts.counted, redacted: targets.redacted, state: counts.state };
}
