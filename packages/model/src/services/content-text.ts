import type { SqlEntityManager } from '@mikro-orm/knex';
import { SnapshotContent } from '../entities/snapshot-content.js';

/**
 * The stored text of the content `hash` (the canonical users JSON), read without keeping the row
 * in the entity manager; null when no row has it.
 */
export async function contentText(em: SqlEntityManager, hash: string): Promise<string | null> {
  const row = await em
    .createQueryBuilder(SnapshotContent)
    .select('text')
    .where({ hash })
    .execute<{ text: string } | undefined>('get');
  return row?.text ?? null;
}
