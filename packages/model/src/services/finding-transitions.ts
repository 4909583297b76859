import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Connection } from '../entities/connection.js';
import type { FindingEvent } from '../entities/finding-event.js';
import { toFindingRecord, type FindingRecord } from './finding-records.js';
import { insertDelivery, insertUndeliverable } from './webhooks.js';

/** What the caller turns into webhooks, Kubernetes Events and metrics. */
export interface FindingTransition {
  type: 'opened' | 'resolved' | 'reopened' | 'accepted-expired';
  /** The FindingEvent id: a stable idempotency key for webhook deliveries. */
  eventId: string;
  at: Date;
  finding: FindingRecord;
}

/**
 * Webhook alerts for the transitions, written to the delivery log in the same transaction as the
 * findings: if that commits, every alert is on record for the sender, whatever fails after.
 */
export interface FindingAlerts {
  /** Endpoint URLs (stored redacted): one delivery each per transition. */
  targets: readonly string[];
  /**
   * Targets known to be unusable (a namespace's broken alerts Secret): one delivery each per
   * transition all the same, recorded failed with the reason, so no alert goes unrecorded.
   */
  undeliverable?: readonly { target: string; reason: string }[];
  /** The delivery's event type and payload for one transition. */
  delivery(transition: FindingTransition): { eventType: string; payload: Record<string, unknown> };
}

/**
 * The transitions of the connection's events (flushed through `em`), with one alert delivery each
 * written through `em`, so inside the caller's transaction.
 */
export async function recordTransitions(
  em: SqlEntityManager,
  connection: Connection,
  events: readonly [FindingTransition['type'], FindingEvent][],
  now: Date,
  alerts?: FindingAlerts,
): Promise<FindingTransition[]> {
  const transitions: FindingTransition[] = events.map(([type, e]) => ({
    type,
    eventId: e.id,
    at: e.at,
    finding: toFindingRecord(e.finding, connection),
  }));
  if (alerts) {
    for (const transition of transitions) {
      const delivery = { ...alerts.delivery(transition), eventId: transition.eventId };
      for (const target of alerts.targets) await insertDelivery(em, { ...delivery, target }, now);
      for (const { target, reason } of alerts.undeliverable ?? [])
        await insertUndeliverable(em, { ...delivery, target, reason }, now);
    }
  }
  return transitions;
}
