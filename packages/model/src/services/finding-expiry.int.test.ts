import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { Finding } from '../entities/finding.js';
import type { ModelOrm } from '../orm/create-orm.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, findingAlertsTo, tenant, unidentified, users } from '../test/fixtures.js';
import { untilWaitingForLocks } from '../test/lock-waits.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { AlertsFor } from './finding-expiry.js';
import { redactWebhookTarget } from './webhooks.js';

const execFileAsync = promisify(execFile);
const anotherProcess = fileURLToPath(
  new URL('../test/expire-in-another-process.ts', import.meta.url),
);

const other = { namespace: 'payroll', name: 'suspended' };
const target = 'https://hooks.acme.test/xao';
const alerts = findingAlertsTo(target);
const alertsForAll = async () => alerts;

/** Opens one user-identified finding per user id on `ref` at `when`; returns their ids by user id. */
async function openFindings(
  model: ModelOrm,
  ref: typeof acme,
  ids: string[],
  when: string,
): Promise<Record<string, string>> {
  const db = databaseWithClock(model, new ManualClock(at(when)));
  const s = await db.snapshots.record(
    ref,
    tenant,
    users(...ids.map((id): [string, string] => [id, 'STANDARD'])),
    at(when),
  );
  const applied = await db.findings.apply(
    ref,
    s.id,
    ids.map((id) => unidentified(id)),
    at(when),
  );
  return Object.fromEntries(applied.transitions.map((x) => [x.finding.subject.id, x.finding.id]));
}

function accept(model: ModelOrm, id: string, until: string, acceptedAt = '2026-11-01T00:00:00Z') {
  return databaseWithClock(model, new ManualClock(at(acceptedAt))).findings.acceptRisk(id, {
    reason: `contractor ${id}`,
    by: 'alice@acme.test',
    until: at(until),
  });
}

describe.each(testDrivers)(
  'expiring accepted risks without an evaluation on $dialect',
  (driver) => {
    const t = useTestModel(driver);
    /** A sweep at `now` (the system clock's time in production, when it starts). */
    const sweep = (now: Date, alertsFor?: AlertsFor) =>
      databaseWithClock(t.model, new ManualClock(now)).findings.expireAcceptances(now, alertsFor);
    let ids: Record<string, string>;
    let suspendedIds: Record<string, string>;

    beforeAll(async () => {
      ids = await openFindings(t.model, acme, ['a', 'b', 'c', 'legacy'], '2026-11-01T00:00:00Z');
      suspendedIds = await openFindings(t.model, other, ['d'], '2026-11-01T00:00:00Z');
      await accept(t.model, ids.a!, '2026-11-10T00:00:00Z');
      await accept(t.model, ids.b!, '2026-12-01T00:00:00Z');
      await accept(t.model, suspendedIds.d!, '2026-11-10T00:00:00Z');
      // An acceptance written before expiries were enforced: accepted, but with no end.
      await t.model.orm.em.fork().nativeUpdate(
        Finding,
        { id: ids.legacy! },
        {
          status: 'accepted',
          acceptedReason: 'old',
          acceptedBy: 'bob',
          acceptedAt: at('2026-01-01T00:00:00Z'),
        },
      );
    });

    it('reopens lapsed acceptances with the accepted-expired event and alert, leaving current ones', async () => {
      const db = t.model.db;
      const now = at('2026-11-10T00:00:00Z');
      const result = await sweep(now, async (ref) =>
        ref.namespace === acme.namespace ? alerts : undefined,
      );
      expect(result.failed).toEqual([]);
      expect(
        result.expired.map((e) => [
          `${e.connection.namespace}/${e.connection.name}`,
          e.transitions.map((x) => `${x.type}:${x.finding.subject.id}`).sort(),
          e.openByCheck,
        ]),
      ).toEqual([
        [
          'finance/acme',
          ['accepted-expired:a', 'accepted-expired:legacy'],
          { 'user-identified': 3 },
        ],
        ['payroll/suspended', ['accepted-expired:d'], { 'user-identified': 1 }],
      ]);

      const a = await db.findings.get(ids.a!);
      expect(a).toMatchObject({ status: 'open', acceptedRisk: null, updatedAt: now });
      expect(
        (await db.findings.history(ids.a!)).map((e) => [e.type, e.fromStatus, e.toStatus]),
      ).toEqual([
        ['opened', null, 'open'],
        ['accepted', 'open', 'accepted'],
        ['accepted-expired', 'accepted', 'open'],
      ]);
      expect((await db.findings.history(ids.a!)).at(-1)).toMatchObject({
        actor: null,
        snapshotId: null,
        at: now,
        note:
          'accepted risk expired at 2026-11-10T00:00:00.000Z (accepted by alice@acme.test: contractor ' +
          ids.a +
          ')',
      });
      expect((await db.findings.history(ids.legacy!)).at(-1)).toMatchObject({
        type: 'accepted-expired',
        note: 'accepted risk had no expiry and has lapsed (accepted by bob: old)',
      });
      // Not yet expired: untouched.
      expect(await db.findings.get(ids.b!)).toMatchObject({
        status: 'accepted',
        acceptedRisk: { until: at('2026-12-01T00:00:00Z') },
      });
      expect((await db.findings.history(ids.b!)).map((e) => e.type)).toEqual([
        'opened',
        'accepted',
      ]);
      expect(await db.findings.openCounts(acme)).toEqual({ 'user-identified': 3 });

      // The alerts of acme's transitions are in the delivery log, keyed by their events; none for
      // the connection without a target.
      const log = (await db.webhooks.list({ eventType: 'finding.accepted-expired' })).items;
      const acmeEvents = result.expired[0]!.transitions.map((x) => x.eventId).sort();
      expect(log.map((d) => d.eventId).sort()).toEqual(acmeEvents);
      expect(log.every((d) => d.target === redactWebhookTarget(target))).toBe(true);
    });

    it('does nothing when run again, and the next evaluation finds nothing to expire', async () => {
      const db = t.model.db;
      const again = await sweep(at('2026-11-10T00:01:00Z'), alertsForAll);
      expect(again).toEqual({ expired: [], failed: [] });
      const s = await db.snapshots.latest(acme, tenant.tenantId);
      const applied = await db.findings.apply(
        acme,
        s!.id,
        ['a', 'b', 'c', 'legacy'].map((id) => unidentified(id)),
        at('2026-11-10T00:02:00Z'),
      );
      expect(applied.transitions).toEqual([]);
      expect(
        (await db.findings.history(ids.a!)).filter((e) => e.type === 'accepted-expired'),
      ).toHaveLength(1);
    });

    it('leaves a connection whose alert target cannot be resolved for the next run', async () => {
      const db = t.model.db;
      await accept(t.model, ids.c!, '2026-11-20T00:00:00Z', '2026-11-11T00:00:00Z');
      await accept(t.model, suspendedIds.d!, '2026-11-20T00:00:00Z', '2026-11-11T00:00:00Z');
      const broken = new Error('Secret finance/xero-access-alerts key url: is missing or empty');
      const result = await sweep(at('2026-11-21T00:00:00Z'), async (ref) => {
        if (ref.namespace === acme.namespace) throw broken;
        return alerts;
      });
      expect(result.failed).toEqual([{ connection: acme, error: broken }]);
      expect(result.expired.map((e) => e.connection)).toEqual([other]);
      expect((await db.findings.get(ids.c!))?.status).toBe('accepted');

      const later = await sweep(at('2026-11-21T00:01:00Z'), alertsForAll);
      expect(later.expired.map((e) => e.transitions.map((x) => x.finding.id))).toEqual([[ids.c]]);
    });

    it('ends acceptances all the same when a target is unusable, recording its alerts failed with why', async () => {
      const db = t.model.db;
      await accept(t.model, ids.c!, '2026-11-23T00:00:00Z', '2026-11-22T00:00:00Z');
      const reason = 'Secret finance/xero-access-alerts key url: must be an https URL';
      const result = await sweep(at('2026-11-23T00:00:00Z'), async () => ({
        ...alerts,
        undeliverable: [{ target: 'secret://finance/xero-access-alerts', reason }],
      }));
      expect(result.failed).toEqual([]);
      const [expired] = result.expired.flatMap((e) => e.transitions);
      expect(expired?.finding.id).toBe(ids.c);
      expect((await db.findings.get(ids.c!))?.status).toBe('open');
      const log = (await db.webhooks.list({}, { limit: 100 })).items.filter(
        (d) => d.eventId === expired!.eventId,
      );
      expect(
        log.map((d) => [d.target, d.status, d.attempts, d.lastError, d.nextAttemptAt]).sort(),
      ).toEqual([
        [redactWebhookTarget(target), 'pending', 0, null, at('2026-11-23T00:00:00Z')],
        ['secret://finance/xero-access-alerts', 'failed', 0, reason, null],
      ]);
      expect(log.every((d) => d.payload.findingId === ids.c)).toBe(true);
    });
  },
);

describe.each(testDrivers)('overlapping expiry runs on $dialect', (driver) => {
  const t = useTestModel(driver);
  /** Sweeps from other processes and from this one, all starting at the same instant. */
  async function sweepFromThreeProcesses(now: Date, alsoHere: () => Promise<string[]>) {
    const startAt = Date.now() + 3_000;
    const others = [1, 2].map(async () => {
      const { stdout } = await execFileAsync(
        process.execPath,
        ['--import', 'tsx', anotherProcess, t.url, now.toISOString(), target, String(startAt)],
        { timeout: 60_000 },
      );
      return JSON.parse(stdout) as string[];
    });
    const here = (async () => {
      await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
      return alsoHere();
    })();
    return (await Promise.all([...others, here])).flat();
  }

  it(
    'expires each acceptance exactly once, with one event and one alert',
    { timeout: 60_000 },
    async () => {
      const names = Array.from({ length: 12 }, (_, i) => `u${i}`);
      const ids = await openFindings(t.model, acme, names, '2026-11-01T00:00:00Z');
      for (const id of Object.values(ids)) await accept(t.model, id, '2026-11-05T00:00:00Z');
      const now = at('2026-11-06T00:00:00Z');
      const eventIds = await sweepFromThreeProcesses(now, async () => {
        const r = await t.model.db.findings.expireAcceptances(now, alertsForAll);
        return r.expired.flatMap((e) => e.transitions.map((x) => x.eventId));
      });
      expect(eventIds).toHaveLength(names.length);
      for (const id of Object.values(ids)) {
        const expired = (await t.model.db.findings.history(id)).filter(
          (e) => e.type === 'accepted-expired',
        );
        expect(expired).toHaveLength(1);
        expect(eventIds).toContain(expired[0]!.id);
      }
      const log = (await t.model.db.webhooks.list({}, { limit: 100 })).items;
      expect(log.map((d) => d.eventId).sort()).toEqual([...eventIds].sort());
    },
  );

  it(
    'expires an acceptance once when an evaluation of the connection runs at the same time',
    { timeout: 60_000 },
    async () => {
      const ids = await openFindings(t.model, acme, ['v'], '2026-11-07T00:00:00Z');
      await accept(t.model, ids.v!, '2026-11-08T00:00:00Z', '2026-11-07T00:00:00Z');
      const s = await t.model.db.snapshots.latest(acme, tenant.tenantId);
      const now = at('2026-11-09T00:00:00Z');
      const eventIds = await sweepFromThreeProcesses(now, async () => {
        const applied = await t.model.db.findings.apply(
          acme,
          s!.id,
          [unidentified('v')],
          now,
          alerts,
        );
        // (It also resolves the previous test's findings: its snapshot holds only v.)
        return applied.transitions
          .filter((x) => x.type === 'accepted-expired')
          .map((x) => x.eventId);
      });
      const expired = (await t.model.db.findings.history(ids.v!)).filter(
        (e) => e.type === 'accepted-expired',
      );
      expect(expired.map((e) => e.id)).toEqual(eventIds);
      expect(eventIds).toHaveLength(1);
    },
  );
});

describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'an expiry waiting for a finding lock on $dialect',
  (driver) => {
    const t = useTestModel(driver);

    it('stamps the reopening when the lock is granted, after the change that held it', async () => {
      const ids = await openFindings(t.model, acme, ['w'], '2026-11-01T00:00:00Z');
      await accept(t.model, ids.w!, '2026-11-05T00:00:00Z');
      const clock = new ManualClock(at('2026-11-06T00:00:00Z'));
      const holder = new pg.Client({ connectionString: t.url });
      await holder.connect();
      try {
        // Another writer holds the finding when the sweep starts, and commits a change at 00:05.
        await holder.query('begin');
        await holder.query('select id from finding where id = $1 for update', [ids.w]);
        const sweeping = databaseWithClock(t.model, clock).findings.expireAcceptances(
          clock.now(),
          alertsForAll,
        );
        await untilWaitingForLocks(holder, 1);
        await holder.query('update finding set updated_at = $2 where id = $1', [
          ids.w,
          at('2026-11-06T00:05:00Z'),
        ]);
        clock.set(at('2026-11-06T00:10:00Z'));
        await holder.query('commit');
        const { expired } = await sweeping;

        const granted = at('2026-11-06T00:10:00Z');
        const [reopened] = expired.flatMap((e) => e.transitions);
        expect(reopened).toMatchObject({ type: 'accepted-expired', at: granted });
        expect(await t.model.db.findings.get(ids.w!)).toMatchObject({
          status: 'open',
          updatedAt: granted,
        });
        expect((await t.model.db.findings.history(ids.w!)).at(-1)).toMatchObject({
          type: 'accepted-expired',
          at: granted,
        });
        const [delivery] = (
          await t.model.db.webhooks.list({ eventType: 'finding.accepted-expired' })
        ).items;
        expect(delivery).toMatchObject({ eventId: reopened!.eventId, nextAttemptAt: granted });
      } finally {
        await holder.end();
      }
    });
  },
);
