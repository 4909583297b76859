import { createHash } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { WebhookDelivery, type WebhookDeliveryStatus } from '../entities/webhook-delivery.js';
import { NotFoundError, ValidationError, assertValidDate } from '../errors.js';
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
  /** The sender attempting it now (`claimDue`), until `claimedUntil`; null when none is. */
  claimedBy: string | null;
  claimedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookClaim {
  /** Who sends: unique per sender (process), 1 to 128 characters. */
  claimedBy: string;
  /**
   * How long the claim holds (1 s to 1 day): longer than the sender takes to attempt one delivery,
   * POST timeout included. Past it another sender may take the row over (this one crashed).
   */
  leaseMs: number;
  /** At most this many rows (default 1). */
  limit?: number;
}

/** What `recordAttempt` did: `recorded` false when the row was not this sender's to write. */
export interface RecordedAttempt {
  recorded: boolean;
  /** The row as stored after the call. */
  delivery: WebhookDeliveryRecord;
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
    claimedBy: d.claimedBy ?? null,
    claimedUntil: d.claimedUntil ?? null,
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

function validateClaimant(claimedBy: string): void {
  if (typeof claimedBy !== 'string' || !claimedBy || claimedBy.length > 128)
    throw new ValidationError('claimedBy', 'must be 1 to 128 characters');
}

const MAX_LEASE_MS = 24 * 60 * 60_000;

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

  /**
   * Pending deliveries whose next attempt is due and that no sender holds (never claimed, or the
   * claim lapsed), oldest first: what `claimDue` would take. Reads only; a sender claims.
   */
  async due(now = new Date(), limit = 100): Promise<WebhookDeliveryRecord[]> {
    const rows = await this.ctx.em().find(
      WebhookDelivery,
      {
        status: 'pending',
        nextAttemptAt: { $lte: now },
        $or: [{ claimedUntil: null }, { claimedUntil: { $lte: now } }],
      },
      { orderBy: { nextAttemptAt: 'asc', id: 'asc' }, limit: pageSize(limit) },
    );
    return rows.map(toRecord);
  }

  /**
   * Claims the oldest due deliveries for `claimedBy` until `now + leaseMs`, and returns them: two
   * senders on one database (leaders overlapping during a Lease change, two installs during a
   * failover) never get the same row while a claim holds. One statement: on PostgreSQL the rows
   * are locked `for update skip locked` as they are picked, so concurrent claims pass over each
   * other's; SQLite runs one writer at a time.
   */
  async claimDue(claim: WebhookClaim, now = new Date()): Promise<WebhookDeliveryRecord[]> {
    validateClaimant(claim.claimedBy);
    if (!Number.isInteger(claim.leaseMs) || claim.leaseMs < 1_000 || claim.leaseMs > MAX_LEASE_MS)
      throw new ValidationError('leaseMs', `must be a whole number from 1000 to ${MAX_LEASE_MS}`);
    assertValidDate('now', now);
    const em = this.ctx.em();
    const knex = em.getKnex();
    const at = em.getPlatform().processDateProperty(now);
    const claimable = knex('webhook_delivery')
      .select('id')
      .where('status', 'pending')
      .where('next_attempt_at', '<=', at)
      .where((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<=', at))
      .orderBy([
        { column: 'next_attempt_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(claim.limit === undefined ? 1 : pageSize(claim.limit));
    if (this.ctx.dialect === 'postgresql') claimable.forUpdate().skipLocked();
    let claimed: { id: string }[];
    try {
      claimed = await knex('webhook_delivery')
        .whereIn('id', claimable)
        .update(
          {
            claimed_by: claim.claimedBy,
            claimed_until: em
              .getPlatform()
              .processDateProperty(new Date(now.getTime() + claim.leaseMs)),
          },
          ['id'],
        );
    } catch (error) {
      // As MikroORM's own queries fail (DriverException and kin), for classifyDatabaseOutage.
      throw em.getDriver().convertException(error as Error);
    }
    if (claimed.length === 0) return [];
    const rows = await em.find(
      WebhookDelivery,
      { id: { $in: claimed.map((r) => r.id) } },
      { orderBy: { nextAttemptAt: 'asc', id: 'asc' } },
    );
    return rows.map(toRecord);
  }

  /**
   * Records one attempt by the sender that claimed the delivery, and ends its claim. A failure
   * changes the row only while it is pending and claimed by `claimedBy` (a sender whose claim
   * lapsed and was taken over leaves the retry to the new holder). A success changes it unless it
   * is delivered already, whoever holds the claim: the receiver has the alert. A delivered row
   * never changes again, so a late failure (a receiver refusing the duplicate) cannot undo it.
   */
  async recordAttempt(
    id: string,
    claimedBy: string,
    attempt: DeliveryAttempt,
    now = new Date(),
  ): Promise<RecordedAttempt> {
    if (!isUuid(id)) throw new NotFoundError('webhook delivery', String(id));
    validateClaimant(claimedBy);
    const em = this.ctx.em();
    const outcome: Partial<WebhookDelivery> = attempt.ok
      ? { status: 'delivered', deliveredAt: now, lastError: null, nextAttemptAt: null }
      : {
          status: attempt.nextAttemptAt ? 'pending' : 'failed',
          lastError: attempt.error.slice(0, 2000),
          nextAttemptAt: attempt.nextAttemptAt,
        };
    const updated = await em.nativeUpdate(
      WebhookDelivery,
      attempt.ok ? { id, status: { $ne: 'delivered' } } : { id, status: 'pending', claimedBy },
      {
        ...outcome,
        attempts: raw('attempts + 1'),
        lastStatusCode: attempt.statusCode ?? null,
        claimedBy: null,
        claimedUntil: null,
        updatedAt: now,
      },
    );
    const d = await em.findOne(WebhookDelivery, { id });
    if (!d) throw new NotFoundError('webhook delivery', id);
    return { recorded: updated === 1, delivery: toRecord(d) };
  }

  /**
   * Ends `claimedBy`'s claim on a pending delivery it did not attempt after all (stopping), so
   * another sender takes it at once rather than when the claim lapses. False when it held none.
   */
  async releaseClaim(id: string, claimedBy: string): Promise<boolean> {
    if (!isUuid(id)) throw new NotFoundError('webhook delivery', String(id));
    validateClaimant(claimedBy);
    const updated = await this.ctx
      .em()
      .nativeUpdate(
        WebhookDelivery,
        { id, status: 'pending', claimedBy },
        { claimedBy: null, claimedUntil: null },
      );
    return updated === 1;
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
