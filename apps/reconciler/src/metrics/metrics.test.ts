import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DELETION_EXPORT_MS, ReconcilerMetrics } from './metrics.js';

const series = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`));

async function exported(metrics: ReconcilerMetrics) {
  const text = await metrics.registry.metrics();
  return {
    leader: text.split('\n').find((line) => line.startsWith('xao_leader ')),
    findings: series(text, 'xao_open_findings'),
    ready: series(text, 'xao_connection_ready'),
  };
}

function leaderWithSeries(): ReconcilerMetrics {
  const metrics = new ReconcilerMetrics({ defaultMetrics: false });
  metrics.setLeading(true);
  metrics.setOpenFindings('finance', 'acme', new Map([['user-identified\u0000high', 2]]));
  metrics.setReady('finance', 'acme', false, 'AuthenticationFailed');
  return metrics;
}

describe('xao_build_info', () => {
  it('names the app and its package.json version', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    expect(series(await metrics.registry.metrics(), 'xao_build_info')).toEqual([
      `xao_build_info{app="reconciler",version="${version}"} 1`,
    ]);
  });
});

describe('ReconcilerMetrics across leader terms', () => {
  it('exports the connection series while leading', async () => {
    expect(await exported(leaderWithSeries())).toEqual({
      leader: 'xao_leader 1',
      findings: [
        'xao_open_findings{namespace="finance",name="acme",check="user-identified",severity="high"} 2',
      ],
      ready: [
        'xao_connection_ready{namespace="finance",name="acme",reason="AuthenticationFailed"} 0',
      ],
    });
  });

  // The chart's alerts add up every replica: a stepped-down replica's old values would keep them firing.
  it('drops every connection series when the term ends', async () => {
    const metrics = leaderWithSeries();
    metrics.setLeading(false);
    expect(await exported(metrics)).toEqual({ leader: 'xao_leader 0', findings: [], ready: [] });
  });

  it('ignores what in-flight reconciles set after the term ended', async () => {
    const metrics = leaderWithSeries();
    metrics.setLeading(false);
    metrics.setOpenFindings('finance', 'acme', new Map([['user-identified\u0000high', 3]]));
    metrics.setReady('finance', 'acme', false, 'AuthenticationFailed');
    expect(await exported(metrics)).toMatchObject({ findings: [], ready: [] });
  });

  it('counts no late namespace claims once the term ends: the claims are no longer renewed here', async () => {
    const metrics = leaderWithSeries();
    metrics.claimsRenewedLate.set(3);
    const late = async () =>
      (await metrics.registry.metrics())
        .split('\n')
        .find((line) => line.startsWith('xao_namespace_claims_renewed_late '));
    expect(await late()).toBe('xao_namespace_claims_renewed_late 3');
    metrics.setLeading(false);
    expect(await late()).toBe('xao_namespace_claims_renewed_late 0');
  });

  it('starts the next term from nothing: no zeroed series or old reasons come back', async () => {
    const metrics = leaderWithSeries();
    metrics.setLeading(false);
    metrics.setLeading(true);
    metrics.setOpenFindings(
      'finance',
      'acme',
      new Map([['offboarded-access-removed\u0000high', 1]]),
    );
    metrics.setReady('finance', 'acme', true, 'Ready');
    expect(await exported(metrics)).toEqual({
      leader: 'xao_leader 1',
      findings: [
        'xao_open_findings{namespace="finance",name="acme",check="offboarded-access-removed",severity="high"} 1',
      ],
      ready: ['xao_connection_ready{namespace="finance",name="acme",reason="Ready"} 1'],
    });
  });
});

describe('ReconcilerMetrics sync schedule (the stale-sync alert)', () => {
  const T = Date.parse('2026-12-07T09:00:00Z');
  function leader(clock: { now: number }): ReconcilerMetrics {
    const metrics = new ReconcilerMetrics({ defaultMetrics: false, now: () => clock.now });
    metrics.setLeading(true);
    return metrics;
  }
  async function schedule(metrics: ReconcilerMetrics) {
    const text = await metrics.registry.metrics();
    return {
      lastSync: series(text, 'xao_connection_last_sync_timestamp_seconds'),
      interval: series(text, 'xao_connection_sync_interval_seconds'),
      deleted: series(text, 'xao_connection_deleted_timestamp_seconds'),
    };
  }

  it('exports the last successful sync and the interval, and no last sync before the first', async () => {
    const metrics = leader({ now: T });
    metrics.setSyncSchedule('finance', 'acme', '2026-12-07T08:30:00.000Z', 3_600_000);
    metrics.setSyncSchedule('finance', 'new', undefined, 60_000);
    expect(await schedule(metrics)).toEqual({
      lastSync: [
        `xao_connection_last_sync_timestamp_seconds{namespace="finance",name="acme"} ${(T - 1_800_000) / 1000}`,
      ],
      interval: [
        'xao_connection_sync_interval_seconds{namespace="finance",name="acme"} 3600',
        'xao_connection_sync_interval_seconds{namespace="finance",name="new"} 60',
      ],
      deleted: [],
    });
  });

  // Without it, the alert could not tell a deleted connection from one no longer reconciled.
  it('replaces them with the deletion time when the connection is gone, for an hour', async () => {
    const clock = { now: T };
    const metrics = leader(clock);
    metrics.setSyncSchedule('finance', 'acme', '2026-12-07T08:30:00.000Z', 3_600_000);
    metrics.forgetConnection('finance', 'acme');
    const deleted = [
      `xao_connection_deleted_timestamp_seconds{namespace="finance",name="acme"} ${T / 1000}`,
    ];
    expect(await schedule(metrics)).toEqual({ lastSync: [], interval: [], deleted });
    clock.now = T + DELETION_EXPORT_MS - 1;
    expect((await schedule(metrics)).deleted).toEqual(deleted);
    clock.now = T + DELETION_EXPORT_MS;
    expect((await schedule(metrics)).deleted).toEqual([]);
  });

  it('drops the deletion time when a connection of that name is created again', async () => {
    const metrics = leader({ now: T });
    metrics.forgetConnection('finance', 'acme');
    metrics.setSyncSchedule('finance', 'acme', undefined, 3_600_000);
    expect((await schedule(metrics)).deleted).toEqual([]);
  });

  it('exports none of them outside a term, and drops them when it ends', async () => {
    const metrics = leader({ now: T });
    metrics.setSyncSchedule('finance', 'acme', '2026-12-07T08:30:00.000Z', 3_600_000);
    metrics.forgetConnection('finance', 'gone');
    metrics.setLeading(false);
    metrics.setSyncSchedule('finance', 'acme', '2026-12-07T08:45:00.000Z', 3_600_000);
    metrics.forgetConnection('finance', 'other');
    expect(await schedule(metrics)).toEqual({ lastSync: [], interval: [], deleted: [] });
  });
});

describe('ReconcilerMetrics review work (the review alerts)', () => {
  const T = Date.parse('2026-12-07T09:00:00Z');
  const work = (name: string, open: number, oldestAt: number | null, overdue: number) => ({
    namespace: 'finance',
    name,
    openRemediations: open,
    oldestOpenRemediationAt: oldestAt === null ? null : new Date(oldestAt),
    overdueReviews: overdue,
  });
  async function reviews(metrics: ReconcilerMetrics) {
    const text = await metrics.registry.metrics();
    return [
      ...series(text, 'xao_review_remediations_open'),
      ...series(text, 'xao_review_remediation_oldest_seconds'),
      ...series(text, 'xao_reviews_overdue'),
    ];
  }

  it('replaces every connection at each refresh: one left out loses its series', async () => {
    const metrics = new ReconcilerMetrics({ defaultMetrics: false, now: () => T });
    metrics.setLeading(true);
    metrics.setReviewWork([work('acme', 2, T - 90_000, 1), work('gone', 1, T, 0)]);
    metrics.setReviewWork([work('acme', 0, null, 0)]);
    expect(await reviews(metrics)).toEqual([
      'xao_review_remediations_open{namespace="finance",name="acme"} 0',
      'xao_review_remediation_oldest_seconds{namespace="finance",name="acme"} 0',
      'xao_reviews_overdue{namespace="finance",name="acme"} 0',
    ]);
  });

  it('exports none outside a term, drops them when it ends and when the connection is gone', async () => {
    const metrics = new ReconcilerMetrics({ defaultMetrics: false, now: () => T });
    metrics.setLeading(true);
    metrics.setReviewWork([work('acme', 2, T - 90_000, 1), work('other', 1, T, 0)]);
    metrics.forgetConnection('finance', 'other');
    expect(await reviews(metrics)).toEqual([
      'xao_review_remediations_open{namespace="finance",name="acme"} 2',
      'xao_review_remediation_oldest_seconds{namespace="finance",name="acme"} 90',
      'xao_reviews_overdue{namespace="finance",name="acme"} 1',
    ]);
    metrics.setLeading(false);
    metrics.setReviewWork([work('acme', 2, T - 90_000, 1)]);
    expect(await reviews(metrics)).toEqual([]);
  });
});
