import { createHash } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { WebhookDelivery, type WebhookDeliveryStatus } from '../entities/webhook-delivery.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import type { ServiceContext } from './context.js';
import { pageSize, type Page, type PageRequest, newestFirstPage } from './pagination.js';

export interface WebhookDeliveryRecord {
  id: string;
  eventType: string;
  eventId: string;
  /**
   * Where it goes, redacted (redactWebhookTarget): never the full URL, whose path or query may
   * hold the receiver's credential. For an undeliverable one, what the caller named instead.
   */
  target: string;
  payload: Record<string, unknown>;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface EnqueueWebhookInput {
  eventType: string;
  /** Idempotency key (e.g. FindingTransition.eventId): enqueuing it twice for one target is a no-op. */
  eventId: string;
  /**
   * The endpoint URL, without user or password (they belong in the signing secret, not here).
   * Stored redacted (redactWebhookTarget): the sender finds the URL again in its configuration.
   */
  target: string;
  payload: Record<string, unknown>;
}

/** An alert that cannot be sent (its target is unusable): recorded failed at once, with why. */
export interface UndeliverableWebhookInput extends Omit<EnqueueWebhookInput, 'target'> {
  /** What it was meant for, e.g. the Secret that should have named the endpoint (no URL). */
  target: string;
  reason: string;
}

export type DeliveryAttempt =
  | { ok: true; statusCode: number }
  | {
      ok: false;
      statusCode?: number | null;
      error: string;
      /** null = give up (failed). */ nextAttemptAt: Date | null;
    };

function toRecord(d: WebhookDelivery): WebhookDeliveryRecord {
  return {
    id: d.id,
    eventType: d.eventType,
    eventId: d.eventId,
    target: d.target,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt,
    deliveredAt: d.deliveredAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

const REDACTED_PATH = /^\/\[sha256:[0-9a-f]{12}\]$/;

/**
 * A webhook URL as it may be logged or stored: `scheme://host[:port]`, then, unless the path is
 * `/` without a query, `/[sha256:<12 hex digits>]` of the path and query. Slack- or Teams-style
 * receivers carry their credential in the path or query; the hash still tells two URLs apart.
 */
export function redactWebhookTarget(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return '(not a URL)';
  }
  const origin = `${url.protocol}//${url.host}`;
  const rest = `${url.pathname}${url.search}`;
  if (rest === '/' || rest === '') return origin;
  if (REDACTED_PATH.test(rest) && !url.search) return origin + rest;
  return `${origin}/[sha256:${createHash('sha256').update(rest).digest('hex').slice(0, 12)}]`;
}

/** Why `target` cannot be a webhook endpoint, or undefined when it can. */
export function webhookTargetProblem(target: string): string | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password)
    return 'must not contain credentials (deliveries are signed with the secret instead)';
  if (target.length > 2048) return 'must be at most 2048 characters';
  return undefined;
}

function validateTarget(target: string): void {
  const problem = webhookTargetProblem(target);
  if (problem) throw new ValidationError('target', problem);
}

/**
 * Adds a pending delivery to the log through `em` (so inside the caller's transaction, as the
 * findings outbox needs); a second one for the same event and target is ignored.
 */
export async function insertDelivery(
  em: SqlEntityManager,
  input: EnqueueWebhookInput,
  now: Date,
): Promise<void> {
  validateTarget(input.target);
  await insertRow(em, { ...input, target: redactWebhookTarget(input.target) }, now, {
    status: 'pending',
    nextAttemptAt: now,
  });
}

/**
 * Adds a delivery that cannot be sent, as failed with `reason` and no attempt, through `em`: the
 * alert stays on record with why it reached no receiver. A second one for the same event and
 * target is ignored.
 */
export async function insertUndeliverable(
  em: SqlEntityManager,
  input: UndeliverableWebhookInput,
  now: Date,
): Promise<void> {
  if (!input.target || input.target.length > 2048)
    throw new ValidationError('target', 'must be 1 to 2048 characters');
  if (!input.reason) throw new ValidationError('reason', 'must not be empty');
  await insertRow(em, input, now, {
    status: 'failed',
    nextAttemptAt: null,
    lastError: input.reason.slice(0, 2000),
  });
}

async function insertRow(
  em: SqlEntityManager,
  input: EnqueueWebhookInput,
  now: Date,
  state: Pick<WebhookDelivery, 'status' | 'nextAttemptAt'> & { lastError?: string },
): Promise<void> {
  if (!input.eventType || input.eventType.length > 64)
    throw new ValidationError('eventType', 'must be 1 to 64 characters');
  if (!input.eventId || input.eventId.length > 128)
    throw new ValidationError('eventId', 'must be 1 to 128 characters');
  await em
    .createQueryBuilder(WebhookDelivery)
    .insert({
      id: newId(),
      eventType: input.eventType,
      eventId: input.eventId,
      target: input.target,
      payload: input.payload,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      ...state,
    })
    .onConflict(['eventId', 'target'])
    .ignore()
    .execute();
}

/** The delivery log of outgoing webhooks: the reconciler enqueues, sends, and records attempts. */
export class WebhookDeliveryService {
  constructor(private readonly ctx: ServiceContext) {}

  async enqueue(input: EnqueueWebhookInput, now = new Date()): Promise<WebhookDeliveryRecord> {
    const em = this.ctx.em();
    await insertDelivery(em, input, now);
    return toRecord(
      await em.findOneOrFail(WebhookDelivery, {
        eventId: input.eventId,
        target: redactWebhookTarget(input.target),
      }),
    );
  }

  /** Pending deliveries whose next attempt is due, oldest first. */
  async due(now = new Date(), limit = 100): Promise<WebhookDeliveryRecord[]> {
    const rows = await this.ctx
      .em()
      .find(
        WebhookDelivery,
        { status: 'pending', nextAttemptAt: { $lte: now } },
        { orderBy: { nextAttemptAt: 'asc', id: 'asc' }, limit: pageSize(limit) },
      );
    return rows.map(toRecord);
  }

  async recordAttempt(
    id: string,
    attempt: DeliveryAttempt,
    now = new Date(),
  ): Promise<WebhookDeliveryRecord> {
    const em = this.ctx.em();
    if (!isUuid(id)) throw new NotFoundError('webhook delivery', String(id));
    const d = await em.findOne(WebhookDelivery, { id });
    if (!d) throw new NotFoundError('webhook delivery', id);
    d.attempts += 1;
    d.lastStatusCode = attempt.statusCode ?? null;
    d.updatedAt = now;
    if (attempt.ok) {
      d.status = 'delivered';
      d.deliveredAt = now;
      d.lastError = null;
      d.nextAttemptAt = null;
    } else {
      d.lastError = attempt.error.slice(0, 2000);
      d.nextAttemptAt = attempt.nextAttemptAt;
      d.status = attempt.nextAttemptAt ? 'pending' : 'failed';
    }
    await em.flush();
    return toRecord(d);
  }

  /** Newest first, keyset-paginated. */
  async list(
    filter: { status?: WebhookDeliveryStatus; eventType?: string } = {},
    page: PageRequest = {},
  ): Promise<Page<WebhookDeliveryRecord>> {
    const em = this.ctx.em();
    const qb = em.createQueryBuilder(WebhookDelivery, 'w').select('*');
    if (filter.status !== undefined) qb.andWhere({ status: filter.status });
    if (filter.eventType !== undefined) qb.andWhere({ eventType: filter.eventType });
    return newestFirstPage(em, qb, {
      scope: 'webhooks',
      column: 'w.created_at',
      property: 'createdAt',
      timeOf: (d) => d.createdAt,
      page,
      map: toRecord,
    });
  }
}
