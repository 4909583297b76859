import type { SqlEntityManager } from '@mikro-orm/knex';
import { FindingEvent } from '../entities/finding-event.js';
import { Finding } from '../entities/finding.js';
import { NotFoundError } from '../errors.js';
import { isUuid } from '../ids.js';
import { toFindingEventRecord, type FindingEventRecord } from './finding-records.js';
import { timeOrderedPage, type Page, type PageRequest } from './pagination.js';

/**
 * A finding's state changes, oldest first, keyset-paginated over (at, id); the index
 * `finding_event_finding_at_id_index` serves both the cursor condition and the order.
 */
export async function findingHistoryPage(
  em: SqlEntityManager,
  id: string,
  page: PageRequest,
): Promise<Page<FindingEventRecord>> {
  if (!isUuid(id)) throw new NotFoundError('finding', String(id));
  if (!(await em.count(Finding, { id }))) throw new NotFoundError('finding', id);
  const qb = em.createQueryBuilder(FindingEvent, 'e').select('*').where({ finding: id });
  return timeOrderedPage(em, qb, {
    // The finding is part of the scope: a cursor from one finding's history is refused on another's.
    scope: `finding-history:${id}`,
    column: 'e.at',
    property: 'at',
    timeOf: (e) => e.at,
    order: 'asc',
    page,
    map: toFindingEventRecord,
  });
}
