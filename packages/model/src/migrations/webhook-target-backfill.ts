import type { SqlEntityManager } from '@mikro-orm/knex';
import { WebhookDelivery } from '../entities/webhook-delivery.js';
import { budgetSpent, type RetentionBudget } from '../services/retention-budget.js';
import { redactWebhookTarget } from '../services/webhooks.js';

/** Rows with a full target looked at per round, by id. */
const PAGE = 200;

export interface TargetRedaction {
  /** Targets redacted by this run. */
  redacted: number;
  /**
   * done: none is left to redact (but twins, below); time-up: `deadline` passed first; stopped:
   * `signal` was aborted first.
   */
  state: 'done' | 'time-up' | 'stopped';
}

function twinKey(eventId: string, target: string): string {
  return JSON.stringify([eventId, target]);
}

/**
 * Redacts the webhook targets stored in full by versions before redaction (and by such a
 * version's leader during an upgrade), a page at a time in short transactions, until none is left,
 * `deadline` (epoch ms) passes or `signal` is aborted (checked before each page). The migration's
 * backfill runs it, and the reconciler's leader in its retention sweep (rows written in full
 * after the migrate). A row whose redacted twin exists (the same event for the same
 * receiver, enqueued twice in that overlap) is left as it is. Safe to run at any time and to stop
 * anywhere.
 */
export async function redactStoredWebhookTargets(
  fork: () => SqlEntityManager,
  budget: Pick<RetentionBudget, 'deadline' | 'signal'>,
  page = PAGE,
): Promise<TargetRedaction> {
  let redacted = 0;
  let after: string | undefined;
  for (;;) {
    const spent = budgetSpent(budget);
    if (spent) return { redacted, state: spent };
    const em = fork();
    // Redacted ones have no path (`scheme://host`) or the hashed one.
    const rows = await em.find(
      WebhookDelivery,
      {
        ...(after ? { id: { $gt: after } } : {}),
        $and: [{ target: { $like: '%://%/%' } }, { $not: { target: { $like: '%/[sha256:%' } } }],
      },
      { orderBy: { id: 'asc' }, limit: page },
    );
    const changes = rows
      .map((row) => ({ row, target: redactWebhookTarget(row.target) }))
      .filter(({ row, target }) => target !== row.target);
    // The page's twins in one query; a row redacted here is a twin for the rest of the page.
    const taken = new Set(
      (changes.length
        ? await em.find(
            WebhookDelivery,
            { $or: changes.map(({ row, target }) => ({ eventId: row.eventId, target })) },
            { fields: ['eventId', 'target'] },
          )
        : []
      ).map((twin) => twinKey(twin.eventId, twin.target)),
    );
    for (const { row, target } of changes) {
      const key = twinKey(row.eventId, target);
      if (taken.has(key)) continue;
      taken.add(key);
      row.target = target;
      redacted += 1;
    }
    await em.flush();
    if (rows.length < page) return { redacted, state: 'done' };
    after = rows.at(-1)!.id;
  }
}
