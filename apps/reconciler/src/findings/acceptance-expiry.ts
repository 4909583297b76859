import {
  connectionKey,
  withDatabase,
  type AlertsFor,
  type Database,
  type DatabaseUser,
  type ExpireAcceptancesResult,
  type ExpiredConnection,
} from '@xero-access/model';
import type { AlertTargets } from '../alerts/alert-targets.js';
import { warnOfInvalidTarget } from '../alerts/connection-alerts.js';
import { findingAlertsFor } from '../alerts/finding-alerts.js';
import type { WebhookSender } from '../alerts/webhook-sender.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { summariseFindings } from '../events/finding-summary.js';
import { describeKubeError } from '../kube/http-status.js';
import type { XeroConnectionApi } from '../kube/xero-connection-api.js';
import { LeaderSweep } from '../leader/leader-sweep.js';
import type { Logger } from '../logging/logger.js';

export interface AcceptanceExpiryOptions {
  db: Database;
  /** Where the database is, for the log line while it is not available (reconcilerDatabase). */
  database: DatabaseUser;
  /** The term's signal while this replica leads (`Operator.leadership`): only the leader sweeps. */
  leadership(): AbortSignal | undefined;
  /**
   * Whether the operator watches the namespace. Outside (WATCH_NAMESPACES changed since), it may
   * read neither the namespace's alert target nor its XeroConnections: the acceptance still ends,
   * with its history entry and the global webhook's alert, but no Event or reconcile.
   */
  watches(namespace: string): boolean;
  /** Reconciles the connection soon: its status and metrics then count the reopened findings. */
  reconcileSoon(key: string): void;
  /** Alert webhooks, as a sync sends them: the global target and the namespace's own. */
  alerts?: { targets: AlertTargets; sender: WebhookSender };
  /** The `FindingsOpened` Warning Event a sync records for reopened findings. */
  events: EventRecorder;
  api: XeroConnectionApi;
  logger: Logger;
}

/**
 * Ends accepted risks that have lapsed (`acceptedUntil <= now`) for every connection, also those
 * no sync evaluates any more (suspended, failing, deleted): each finding opens again with its
 * `accepted-expired` history entry and alert (model: `findings.expireAcceptances`), a Warning
 * Event on the XeroConnection when it still exists, and a reconcile that updates its status. An
 * unusable alerts Secret holds none of it up: its alerts are recorded as undeliverable, and the
 * connection gets an `InvalidAlertTarget` Warning Event.
 */
export class AcceptanceExpiry {
  private readonly leader: LeaderSweep<ExpireAcceptancesResult>;

  constructor(private readonly options: AcceptanceExpiryOptions) {
    this.leader = new LeaderSweep({
      leadership: options.leadership,
      work: (signal, now) => this.expire(signal, now),
      failed: 'could not expire lapsed accepted risks; the next sweep retries',
      logger: options.logger,
    });
  }

  /** The sweeps the reconciler schedules (acceptance-expiry.module.ts). */
  get scheduled(): LeaderSweep<unknown> {
    return this.leader;
  }

  /** Expires what has lapsed by `now`; undefined on a standby, which leaves it to the leader. */
  sweep(now = new Date()): Promise<ExpireAcceptancesResult | undefined> {
    return this.leader.run(now);
  }

  /** Stops before the next connection once `signal` is aborted (leadership ended, or a stop). */
  private async expire(signal: AbortSignal, now: Date): Promise<ExpireAcceptancesResult> {
    const { db, database, alerts, logger } = this.options;
    // What each connection's route said about its namespace's alerts Secret, for its Event.
    const invalidTargets = new Map<string, string | undefined>();
    const alertsFor: AlertsFor | undefined = alerts
      ? async (connection) => {
          // An unusable Secret makes its alerts undeliverable, the expiry goes on; one that
          // cannot be read throws: the connection's acceptances wait for the next sweep.
          const route = await alerts.targets.routeFor(connection.namespace, {
            readNamespace: this.options.watches(connection.namespace),
          });
          invalidTargets.set(connectionKey(connection), route.invalid);
          return findingAlertsFor(route);
        }
      : undefined;
    const result = await withDatabase(database, () =>
      db.findings.expireAcceptances(now, alertsFor, signal),
    );
    for (const { connection, error } of result.failed) {
      logger.warn(
        { connection: connectionKey(connection), err: error },
        'accepted risks of this connection lapsed but stay accepted; the next sweep retries',
      );
    }
    for (const expired of result.expired)
      await this.reopened(expired, invalidTargets.get(connectionKey(expired.connection)));
    if (alerts && result.expired.length > 0) alerts.sender.kick();
    return result;
  }

  private async reopened(
    { connection, transitions }: ExpiredConnection,
    invalidTarget: string | undefined,
  ): Promise<void> {
    const { api, events, logger, alerts } = this.options;
    const key = connectionKey(connection);
    const findings = transitions.map((t) => t.finding.id);
    if (!this.options.watches(connection.namespace)) {
      logger.warn(
        { connection: key, findings },
        "accepted risk lapsed: findings open again (no Event, and no alert to the namespace's own webhook: the namespace is not watched)",
      );
      return;
    }
    logger.info({ connection: key, findings }, 'accepted risk lapsed: findings open again');
    this.options.reconcileSoon(key);
    try {
      const object = await api.get(connection.namespace, connection.name);
      if (object) {
        await events.record(
          object,
          'Warning',
          'FindingsOpened',
          'ExpireAcceptedRisk',
          `Accepted risk ended: ${summariseFindings(transitions)}`,
        );
        if (alerts) await warnOfInvalidTarget(alerts.targets, events, object, invalidTarget);
      }
    } catch (error) {
      logger.warn(
        { connection: key, error: describeKubeError(error) },
        'could not read the XeroConnection to record its Event',
      );
    }
  }
}
