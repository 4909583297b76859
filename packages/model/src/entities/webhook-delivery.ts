import { EntitySchema } from '@mikro-orm/core';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One outgoing webhook message and its delivery attempts. The target never includes secrets. */
export class WebhookDelivery {
  id!: string;
  eventType!: string;
  /** Idempotency key of the event (e.g. the FindingEvent id), unique per target. */
  eventId!: string;
  target!: string;
  payload!: Record<string, unknown>;
  status: WebhookDeliveryStatus = 'pending';
  attempts = 0;
  lastStatusCode: number | null = null;
  lastError: string | null = null;
  nextAttemptAt: Date | null = null;
  deliveredAt: Date | null = null;
  /**
   * The sender attempting it now (services/webhooks.ts `claimDue`); null or unset when none is.
   * No initialiser: an entity inserted without a claim names neither column, so it can be stored
   * as on a schema from before claims (tests of earlier migrations do).
   */
  claimedBy?: string | null;
  /** When that claim lapses, so that another sender takes over from one that crashed. */
  claimedUntil?: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookDeliverySchema = new EntitySchema<WebhookDelivery>({
  class: WebhookDelivery,
  tableName: 'webhook_delivery',
  properties: {
    id: { type: 'uuid', primary: true },
    eventType: { type: 'string', length: 64 },
    eventId: { type: 'string', length: 128 },
    target: { type: 'string', length: 2048 },
    payload: { type: 'json' },
    status: { type: 'string', length: 16 },
    attempts: { type: 'integer' },
    lastStatusCode: { type: 'integer', nullable: true },
    lastError: { type: 'text', nullable: true },
    nextAttemptAt: { type: 'datetime', nullable: true },
    deliveredAt: { type: 'datetime', nullable: true },
    claimedBy: { type: 'string', length: 128, nullable: true },
    claimedUntil: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
  uniques: [{ name: 'webhook_delivery_event_target_unique', properties: ['eventId', 'target'] }],
  indexes: [
    { name: 'webhook_delivery_status_next_attempt_index', properties: ['status', 'nextAttemptAt'] },
    { name: 'webhook_delivery_created_at_index', properties: ['createdAt', 'id'] },
  ],
});
