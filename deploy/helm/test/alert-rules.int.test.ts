import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from '@xero-access/local-cluster';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kinds, render } from './helm.js';

// The chart's PrometheusRule, evaluated by promtool (Prometheus' own rule engine) against input
// series shaped like the reconciler's: one scrape a minute, a replica's connection series going
// stale when it stops leading, as Prometheus marks a series that leaves a scrape.

interface Rule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}
interface TestGroup {
  input_series: { series: string; values: string }[];
  alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: ExpectedAlert[] }[];
  promql_expr_test?: {
    expr: string;
    eval_time: string;
    exp_samples: { labels: string; value: number }[];
  }[];
}

const objects = kinds(
  render('metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true'),
) as unknown as {
  kind: string;
  metadata: { name: string };
  spec: { groups: { name: string; rules: Rule[] }[] };
}[];
const groups = objects.find((o) => o.kind === 'PrometheusRule')!.spec.groups;
const rules = groups.flatMap((g) => g.rules);
// The Prometheus Operator names a ServiceMonitor's targets' job after their Service.
const job = objects.find(
  (o) => o.kind === 'Service' && o.metadata.name.endsWith('-reconciler-metrics'),
)!.metadata.name;
const releaseNamespace = 'xao-system';
const pod = (suffix: string) => `xao-xero-access-reconciler-6f7d9c8b5-${suffix}`;

let rulesFile: string;
beforeAll(() => {
  rulesFile = join(mkdtempSync(join(tmpdir(), 'alert-rules-')), 'rules.yaml');
  writeFileSync(rulesFile, stringify({ groups }));
});

function rule(alert: string): Rule {
  const found = rules.find((r) => r.alert === alert);
  if (!found) throw new Error(`the chart renders no alert ${alert}`);
  return found;
}

/** `metric{labels}` as promtool's input series and expected samples write it. */
function series(metric: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${metric}{${pairs.join(',')}}`;
}

/** The labels a replica's series get from its scrape; a connection's own `namespace` wins (honorLabels). */
function scraped(suffix: string, labels: Record<string, string> = {}): Record<string, string> {
  return {
    job,
    namespace: releaseNamespace,
    pod: pod(suffix),
    instance: `${suffix}:9090`,
    ...labels,
  };
}

/**
 * One alert of rule `alert` firing with exactly `labels`; its annotations are the rule's own, with
 * what their Prometheus templates render to spelled out in `rendered`.
 */
function firing(
  alert: string,
  labels: Record<string, string>,
  rendered: Record<string, string> = {},
): ExpectedAlert {
  const annotations = { ...rule(alert).annotations, ...rendered };
  for (const [key, text] of Object.entries(annotations))
    if (text.includes('{{')) throw new Error(`${alert}: give what its ${key} renders to`);
  return { exp_labels: labels, exp_annotations: annotations };
}

const at = (evalTime: string, alertname: string, ...alerts: ExpectedAlert[]) => ({
  eval_time: evalTime,
  alertname,
  exp_alerts: alerts,
});

function promtoolTest(group: TestGroup): { code: number | null; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'alert-tests-')), 'tests.yaml');
  writeFileSync(
    file,
    stringify({
      rule_files: [rulesFile],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', ...group }],
    }),
  );
  const out = spawnSync(findTool('promtool'), ['test', 'rules', file], { encoding: 'utf8' });
  return { code: out.status, output: out.stdout + out.stderr };
}

function expectPasses(group: TestGroup): void {
  const out = promtoolTest(group);
  expect(out.code, out.output).toBe(0);
}

describe('the PrometheusRule under promtool', () => {
  it('is valid Prometheus rules', () => {
    const out = spawnSync(findTool('promtool'), ['check', 'rules', rulesFile], {
      encoding: 'utf8',
    });
    expect(out.stdout + out.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(out.status).toBe(0);
  });

  // A new alert fails here until it has promtool cases below.
  it('renders exactly the alerts tested here', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'XeroAccessHighSeverityFindingOpen',
      'XeroConnectionNotReady',
      'XeroAccessSyncStale',
      'XeroAccessReviewRemediationOverdue',
      'XeroAccessReviewOverdue',
      'XeroAccessPolicyBundleRefused',
      'XeroAccessReconcilerDown',
      'XeroAccessNoLeader',
      'XeroAccessReconcileStuck',
      'XeroAccessAdminApiDown',
      'XeroAccessAdminApiErrors',
      'XeroAccessAdminApiSlow',
      'XeroAccessReevaluationRequestsFailed',
    ]);
  });

  it('fails a case whose expectation is wrong (the tests can fail)', () => {
    const early = promtoolTest({
      input_series: [{ series: series('xao_policy_bundle_refused', scraped('a')), values: '1x10' }],
      alert_rule_test: [
        at(
          '4m',
          'XeroAccessPolicyBundleRefused',
          firing(
            'XeroAccessPolicyBundleRefused',
            { pod: pod('a'), severity: 'warning' },
            { summary: `The policy bundle in the ConfigMap was refused by ${pod('a')}` },
          ),
        ),
      ],
    });
    expect(early.output).toContain('FAILED');
    expect(early.code).not.toBe(0);
  });
});

describe('XeroAccessHighSeverityFindingOpen', () => {
  const alert = 'XeroAccessHighSeverityFindingOpen';
  const findings = (suffix: string, check: string, severity: string) =>
    series(
      'xao_open_findings',
      scraped(suffix, { namespace: 'finance', name: 'xero', check, severity }),
    );
  const open = (check: string) =>
    firing(
      alert,
      { check, severity: 'warning' },
      { summary: `Open high-severity Xero access findings (${check})` },
    );

  it('fires per check once high-severity findings are open 15 minutes, not for other severities or none', () => {
    expectPasses({
      input_series: [
        { series: findings('a', 'offboarded-access-removed', 'high'), values: '2x30' },
        { series: findings('a', 'user-identified', 'medium'), values: '3x30' },
        { series: findings('a', 'critical-system-access-valid', 'high'), values: '0x30' },
      ],
      alert_rule_test: [
        at('14m', alert),
        at('15m', alert, open('offboarded-access-removed')),
        at('30m', alert, open('offboarded-access-removed')),
      ],
    });
  });

  // The old leader's series go stale when it stops leading; the new one's start a scrape later.
  it('neither restarts its 15 minutes nor resolves when the leader changes', () => {
    const check = 'offboarded-access-removed';
    expectPasses({
      input_series: [
        { series: findings('a', check, 'high'), values: '1x7 stale' }, // 0–7m, gone at 8m
        { series: findings('b', check, 'high'), values: '_x9 1x11 stale' }, // 9–20m, gone at 21m
        { series: findings('c', check, 'high'), values: '_x22 1x10' }, // 22m on
      ],
      alert_rule_test: [
        at('14m', alert),
        at('15m', alert, open(check)),
        at('21m', alert, open(check)),
        at('22m', alert, open(check)),
      ],
    });
  });

  it('ends within 5 minutes of the last value when no leader reports the finding any more', () => {
    const check = 'offboarded-access-removed';
    expectPasses({
      input_series: [{ series: findings('a', check, 'high'), values: '1x20 stale' }],
      alert_rule_test: [at('24m', alert, open(check)), at('26m', alert)],
    });
  });

  it("counts each connection once while the old and new leaders' last values overlap", () => {
    const check = 'offboarded-access-removed';
    const other = (suffix: string) =>
      series(
        'xao_open_findings',
        scraped(suffix, { namespace: 'payroll', name: 'xero', check, severity: 'high' }),
      );
    expectPasses({
      input_series: [
        { series: findings('a', check, 'high'), values: '1x7 stale' },
        { series: other('a'), values: '1x7 stale' },
        { series: findings('b', check, 'high'), values: '_x9 1x5' },
        { series: other('b'), values: '_x9 1x5' },
      ],
      promql_expr_test: [
        {
          expr: rule(alert).expr,
          eval_time: '10m',
          exp_samples: [{ labels: `{check="${check}"}`, value: 2 }],
        },
      ],
    });
  });
});

describe('XeroConnectionNotReady', () => {
  const alert = 'XeroConnectionNotReady';
  const ready = (suffix: string, name: string, reason: string) =>
    series('xao_connection_ready', scraped(suffix, { namespace: 'finance', name, reason }));
  const notReady = (name: string, reason: string) =>
    firing(
      alert,
      { namespace: 'finance', name, severity: 'warning' },
      {
        summary: `XeroConnection finance/${name} is not Ready`,
        description: `Reason ${reason}: kubectl describe xc -n finance ${name}`,
      },
    );

  // A reason change replaces the series (the old reason's goes stale) within one scrape. Grouped by
  // reason, it would be a new alert and restart the 30 minutes.
  it('fires after 30 minutes not Ready whatever the reason, naming the current one; not for suspended or Ready connections', () => {
    expectPasses({
      input_series: [
        { series: ready('a', 'xero', 'RateLimited'), values: '0x10 stale' },
        { series: ready('a', 'xero', 'Unauthorized'), values: '_x11 0x30' },
        { series: ready('a', 'paused', 'Suspended'), values: '0x40' },
        { series: ready('a', 'fine', 'Ready'), values: '1x40' },
      ],
      alert_rule_test: [
        at('29m', alert),
        at('30m', alert, notReady('xero', 'Unauthorized')),
        at('40m', alert, notReady('xero', 'Unauthorized')),
      ],
    });
  });

  // While no replica reports the connection, the description cannot look its reason up.
  it('neither restarts its 30 minutes nor resolves when the leader changes, and ends within 5 minutes of becoming Ready', () => {
    expectPasses({
      input_series: [
        { series: ready('a', 'xero', 'Unauthorized'), values: '0x10 stale' }, // 0–10m
        { series: ready('b', 'xero', 'Unauthorized'), values: '_x12 0x23 stale' }, // 12–35m
        { series: ready('c', 'xero', 'Unauthorized'), values: '_x37 0x10 stale' }, // 37–47m
        { series: ready('c', 'xero', 'Ready'), values: '_x48 1x10' }, // Ready from 48m
      ],
      alert_rule_test: [
        at('29m', alert),
        at('30m', alert, notReady('xero', 'Unauthorized')),
        at('36m', alert, notReady('xero', 'unknown')),
        at('37m', alert, notReady('xero', 'Unauthorized')),
        at('51m', alert, notReady('xero', 'unknown')),
        at('53m', alert),
      ],
    });
  });
});

describe('XeroAccessSyncStale', () => {
  const alert = 'XeroAccessSyncStale';
  // Input series start at Unix time 0, one scrape a minute: a sync at minute m is 60 * m.
  const connection = (metric: string, suffix: string, name: string, labels = {}) =>
    series(metric, scraped(suffix, { namespace: 'finance', name, ...labels }));
  const lastSync = (suffix: string, name: string) =>
    connection('xao_connection_last_sync_timestamp_seconds', suffix, name);
  const interval = (suffix: string, name: string) =>
    connection('xao_connection_sync_interval_seconds', suffix, name);
  const deleted = (suffix: string, name: string) =>
    connection('xao_connection_deleted_timestamp_seconds', suffix, name);
  const suspended = (suffix: string, name: string) =>
    connection('xao_connection_ready', suffix, name, { reason: 'Suspended' });
  const stale = (name: string, age: string) =>
    firing(
      alert,
      { namespace: 'finance', name, severity: 'warning' },
      {
        summary: `XeroConnection finance/${name} has not synced for ${age}`,
        description: `Its users and findings are out of date: its last successful sync is older than twice its syncInterval plus 15 minutes. kubectl describe xc -n finance ${name}: a failing condition says why; none, with nextSyncTime long past, means no reconciler watches finance (add it to watchNamespaces, or delete the XeroConnection: see the chart README, Upgrades and removal).`,
      },
    );

  // A 10-minute interval: stale past 2 × 10 + 15 = 35 minutes, firing 5 minutes later.
  it('fires once the last successful sync is older than twice the interval plus 15 minutes, for 5 minutes', () => {
    expectPasses({
      input_series: [
        { series: lastSync('a', 'failing'), values: '0x60' }, // synced at 0, failing since
        { series: interval('a', 'failing'), values: '600x60' },
        { series: lastSync('a', 'hourly'), values: '0x60' }, // 2 × 60 + 15 minutes not yet up
        { series: interval('a', 'hourly'), values: '3600x60' },
        { series: lastSync('a', 'syncing'), values: '0x9 600x9 1200x9 1800x9 2400x9 3000x9' },
        { series: interval('a', 'syncing'), values: '600x60' },
      ],
      alert_rule_test: [
        at('40m', alert),
        at('41m', alert, stale('failing', '41m 0s')),
        at('60m', alert, stale('failing', '1h 0m 0s')),
      ],
    });
  });

  // The reason for this alert: xao_connection_ready vanishes with the series, and its alert ends.
  it('goes on firing for 7 days after no replica reports the connection any more', () => {
    expectPasses({
      input_series: [
        { series: lastSync('a', 'unwatched'), values: '0x10 stale' },
        { series: interval('a', 'unwatched'), values: '600x10 stale' },
      ],
      alert_rule_test: [
        at('40m', alert),
        at('41m', alert, stale('unwatched', '41m 0s')),
        at('3d', alert, stale('unwatched', '3d 0h 0m 0s')),
        at('7d11m', alert),
      ],
    });
  });

  it('neither restarts its 5 minutes nor resolves when the leader changes', () => {
    expectPasses({
      input_series: [
        { series: lastSync('a', 'failing'), values: '0x37 stale' },
        { series: interval('a', 'failing'), values: '600x37 stale' },
        { series: lastSync('b', 'failing'), values: '_x39 0x30' }, // from the status it reads
        { series: interval('b', 'failing'), values: '_x39 600x30' },
      ],
      alert_rule_test: [at('40m', alert), at('41m', alert, stale('failing', '41m 0s'))],
    });
  });

  it('stays quiet for a deleted connection, but not for one created again under its name', () => {
    expectPasses({
      input_series: [
        // Deleted at 11m; created again at 80m, synced then, failing since.
        { series: lastSync('a', 'acme'), values: '0x10 stale _x68 4800x60' },
        { series: interval('a', 'acme'), values: '600x10 stale _x68 600x60' },
        { series: deleted('a', 'acme'), values: '_x11 660x59 stale' },
      ],
      alert_rule_test: [
        at('60m', alert),
        at('79m', alert),
        at('120m', alert),
        at('121m', alert, stale('acme', '41m 0s')),
      ],
    });
  });

  // Its tokens are kept alive without syncing; once no replica reports it, nothing does either.
  it('stays quiet while the connection is reported suspended, not once it is no longer reported', () => {
    expectPasses({
      input_series: [
        { series: lastSync('a', 'paused'), values: '0x60' },
        { series: interval('a', 'paused'), values: '600x60' },
        { series: suspended('a', 'paused'), values: '0x60' },
        { series: lastSync('a', 'unwatched'), values: '0x40 stale' },
        { series: interval('a', 'unwatched'), values: '600x40 stale' },
        { series: suspended('a', 'unwatched'), values: '0x40 stale' },
      ],
      alert_rule_test: [
        at('45m', alert),
        at('51m', alert, stale('unwatched', '51m 0s')),
        at('60m', alert, stale('unwatched', '1h 0m 0s')),
      ],
    });
  });
});

describe('XeroAccessReviewRemediationOverdue', () => {
  const alert = 'XeroAccessReviewRemediationOverdue';
  // The leader's gauge, in seconds: how long ago the oldest decision not carried out was made.
  const oldest = (suffix: string, name: string) =>
    series(
      'xao_review_remediation_oldest_seconds',
      scraped(suffix, { namespace: 'finance', name }),
    );
  const overdue = (name: string, age: string) =>
    firing(
      alert,
      { namespace: 'finance', name, severity: 'warning' },
      {
        summary: `XeroConnection finance/${name} has an access review decision to remove access not carried out for ${age}`,
        description: rule(alert)
          .annotations.description!.replaceAll('{{ $labels.namespace }}', 'finance')
          .replaceAll('{{ $labels.name }}', name),
      },
    );

  it('fires once the oldest decision not carried out is older than 14 days, for 15 minutes; not for younger ones or none', () => {
    expect(rule(alert).annotations.description).toContain('older than 14 days');
    expectPasses({
      input_series: [
        // 14 days (1,209,600 s) passed at 10m.
        { series: oldest('a', 'acme'), values: '1209000+60x40' },
        { series: oldest('a', 'recent'), values: '600+60x40' },
        { series: oldest('a', 'done'), values: '0x40' },
      ],
      alert_rule_test: [
        at('25m', alert),
        at('26m', alert, overdue('acme', '14d 0h 16m 0s')),
        at('40m', alert, overdue('acme', '14d 0h 30m 0s')),
      ],
    });
  });

  it('ends as soon as the leader counts the decision carried out', () => {
    expectPasses({
      input_series: [{ series: oldest('a', 'acme'), values: '2000000+60x20 0x10' }],
      alert_rule_test: [at('20m', alert, overdue('acme', '23d 3h 53m 20s')), at('21m', alert)],
    });
  });

  // The old leader's series go stale when it stops leading; the new one's start a scrape later.
  it('neither restarts its 15 minutes nor resolves when the leader changes, and ends within 5 minutes of the last value', () => {
    expectPasses({
      input_series: [
        { series: oldest('a', 'acme'), values: '2000000x7 stale' }, // 0–7m, gone at 8m
        { series: oldest('b', 'acme'), values: '_x9 2000000x11 stale' }, // 9–20m, gone at 21m
        { series: oldest('c', 'acme'), values: '_x22 2000000x10 stale' }, // 22–32m
      ],
      alert_rule_test: [
        at('14m', alert),
        at('15m', alert, overdue('acme', '23d 3h 33m 20s')),
        at('22m', alert, overdue('acme', '23d 3h 33m 20s')),
        at('37m', alert, overdue('acme', '23d 3h 33m 20s')),
        at('38m', alert),
      ],
    });
  });
});

describe('XeroAccessReviewOverdue', () => {
  const alert = 'XeroAccessReviewOverdue';
  const reviews = (suffix: string, name: string) =>
    series('xao_reviews_overdue', scraped(suffix, { namespace: 'finance', name }));
  const overdue = (name: string, count: number) =>
    firing(
      alert,
      { namespace: 'finance', name, severity: 'warning' },
      {
        summary: `${count} access review(s) of XeroConnection finance/${name} past their due date`,
        description: `Still open after their dueAt: decide on every user and complete them (POST /reviews/{id}/complete). GET /reviews?connection=finance/${name}&status=open lists them.`,
      },
    );

  it('fires per connection with open reviews past their dueAt for 15 minutes, and ends once none is', () => {
    expectPasses({
      input_series: [
        { series: reviews('a', 'acme'), values: '0x4 2x29 0x10' }, // overdue 5–34m
        { series: reviews('a', 'payroll'), values: '0x45' },
      ],
      alert_rule_test: [
        at('19m', alert),
        at('20m', alert, overdue('acme', 2)),
        at('34m', alert, overdue('acme', 2)),
        at('35m', alert),
      ],
    });
  });

  it('neither restarts its 15 minutes nor resolves when the leader changes', () => {
    expectPasses({
      input_series: [
        { series: reviews('a', 'acme'), values: '1x7 stale' },
        { series: reviews('b', 'acme'), values: '_x9 1x20' },
      ],
      alert_rule_test: [at('14m', alert), at('15m', alert, overdue('acme', 1))],
    });
  });
});

describe('XeroAccessPolicyBundleRefused', () => {
  const alert = 'XeroAccessPolicyBundleRefused';

  it('fires per replica that has refused the bundle for 5 minutes', () => {
    expectPasses({
      input_series: [
        { series: series('xao_policy_bundle_refused', scraped('a')), values: '1x10' },
        { series: series('xao_policy_bundle_refused', scraped('b')), values: '0x10' },
      ],
      alert_rule_test: [
        at('4m', alert),
        at(
          '5m',
          alert,
          firing(
            alert,
            { pod: pod('a'), severity: 'warning' },
            { summary: `The policy bundle in the ConfigMap was refused by ${pod('a')}` },
          ),
        ),
      ],
    });
  });
});

describe('XeroAccessReconcilerDown and XeroAccessNoLeader', () => {
  // Their results carry no labels: without the release's, two releases' alerts would be one.
  const release = { severity: 'warning', namespace: releaseNamespace, job };
  const down = firing('XeroAccessReconcilerDown', release);
  const noLeader = firing('XeroAccessNoLeader', release);
  // Another release of the same name in another namespace: same job, its own namespace.
  const elsewhere = (labels: Record<string, string> = {}) => ({
    ...scraped('x'),
    namespace: 'other',
    ...labels,
  });

  it("ReconcilerDown fires when none of this release's reconcilers is scraped for 5 minutes; NoLeader leaves that to it", () => {
    expectPasses({
      input_series: [
        { series: series('up', elsewhere()), values: '1x10' },
        { series: series('xao_leader', elsewhere()), values: '1x10' },
      ],
      alert_rule_test: [
        at('4m', 'XeroAccessReconcilerDown'),
        at('5m', 'XeroAccessReconcilerDown', down),
        at('10m', 'XeroAccessNoLeader'),
      ],
    });
  });

  it('ReconcilerDown fires when every replica fails its scrape for 5 minutes, not while one answers', () => {
    expectPasses({
      input_series: [
        { series: series('up', scraped('a')), values: '0x10 1x5' },
        { series: series('up', scraped('b')), values: '0x15' },
      ],
      alert_rule_test: [
        at('4m', 'XeroAccessReconcilerDown'),
        at('5m', 'XeroAccessReconcilerDown', down),
        at('11m', 'XeroAccessReconcilerDown'),
      ],
    });
  });

  it('ReconcilerDown stays quiet through a rollout that leaves a minute unscraped', () => {
    expectPasses({
      input_series: [
        { series: series('up', scraped('a')), values: '1x3 stale' }, // gone at 4m
        { series: series('up', scraped('b')), values: '_x5 1x10' }, // from 5m
      ],
      alert_rule_test: [
        at('9m', 'XeroAccessReconcilerDown'),
        at('15m', 'XeroAccessReconcilerDown'),
      ],
    });
  });

  it("NoLeader fires when this release's replicas are scraped but none leads for 5 minutes", () => {
    expectPasses({
      input_series: [
        { series: series('up', scraped('a')), values: '1x10' },
        { series: series('up', scraped('b')), values: '1x10' },
        { series: series('xao_leader', scraped('a')), values: '0x10' },
        { series: series('xao_leader', scraped('b')), values: '0x10' },
        { series: series('xao_leader', elsewhere()), values: '1x10' },
      ],
      alert_rule_test: [
        at('4m', 'XeroAccessNoLeader'),
        at('5m', 'XeroAccessNoLeader', noLeader),
        at('10m', 'XeroAccessReconcilerDown'),
      ],
    });
  });

  it('NoLeader stays quiet through a Lease handover', () => {
    expectPasses({
      input_series: [
        { series: series('xao_leader', scraped('a')), values: '1x5 0x10' }, // leads until 5m
        { series: series('xao_leader', scraped('b')), values: '0x6 1x10' }, // from 7m
      ],
      alert_rule_test: [at('6m', 'XeroAccessNoLeader'), at('12m', 'XeroAccessNoLeader')],
    });
  });
});

describe('XeroAccessReconcileStuck', () => {
  const alert = 'XeroAccessReconcileStuck';
  const oldest = (labels: Record<string, string>) =>
    series('xao_reconcile_oldest_running_seconds', labels);
  const stuck = (suffix: string, running: string) =>
    firing(
      alert,
      { namespace: releaseNamespace, job, pod: pod(suffix), severity: 'warning' },
      {
        summary: `A reconcile on ${pod(suffix)} has been running for ${running}`,
        description: rule(alert).annotations.description!.replace('{{ $labels.pod }}', pod(suffix)),
      },
    );

  it('waits SYNC_TIMEOUT plus 8 minutes: the bound follows reconciler.syncTimeoutSeconds', () => {
    expect(rule(alert).expr).toMatch(/\) > 600$/);
    expect(rule(alert).annotations.description).toContain('SYNC_TIMEOUT (120 s');
    const longer = (
      kinds(
        render(
          'metrics.serviceMonitor.enabled=true',
          'metrics.prometheusRule.enabled=true',
          'reconciler.syncTimeoutSeconds=300',
        ),
      ) as unknown as typeof objects
    )
      .find((o) => o.kind === 'PrometheusRule')!
      .spec.groups.flatMap((g) => g.rules)
      .find((r) => r.alert === alert)!;
    expect(longer.expr).toMatch(/\) > 780$/);
  });

  // Input series: the replica's gauge, one scrape a minute, in seconds.
  it("fires 5 minutes after a reconcile ran past 10 minutes, on its replica; not for one that ends, a standby or another release's", () => {
    expectPasses({
      input_series: [
        // Started at 1m and hangs: 660 s at 12m.
        { series: oldest(scraped('a')), values: '0 0 60+60x30' },
        { series: oldest(scraped('b')), values: '0x32' }, // the standby
        // Ran 11 minutes, then ended.
        { series: oldest(scraped('c')), values: '0 60+60x10 0x20' },
        { series: oldest(scraped('x', { namespace: 'other' })), values: '3600+60x32' },
      ],
      alert_rule_test: [
        at('16m', alert),
        at('17m', alert, stuck('a', '16m 0s')),
        at('25m', alert, stuck('a', '24m 0s')),
      ],
    });
  });

  it('ends once the reconcile ends, or its pod is gone', () => {
    expectPasses({
      input_series: [
        { series: oldest(scraped('a')), values: '0 60+60x20 0x10' }, // ended at 22m
        { series: oldest(scraped('b')), values: '0 60+60x20 stale' }, // deleted at 22m
      ],
      alert_rule_test: [
        at('21m', alert, stuck('a', '21m 0s'), stuck('b', '21m 0s')),
        at('22m', alert),
      ],
    });
  });
});

describe('the admin API alerts', () => {
  // Its ServiceMonitor names its targets' job after the admin API's metrics Service.
  const adminJob = objects.find(
    (o) => o.kind === 'Service' && o.metadata.name.endsWith('-admin-api-metrics'),
  )!.metadata.name;
  /** The labels an admin API replica's series get from its scrape (no honorLabels). */
  const admin = (suffix: string, labels: Record<string, string> = {}) => ({
    job: adminJob,
    namespace: releaseNamespace,
    pod: `xao-xero-access-admin-api-7c9f6d5b4-${suffix}`,
    instance: `${suffix}:9090`,
    ...labels,
  });
  // Another release of the same name in another namespace: same job, its own namespace.
  const elsewhere = (labels: Record<string, string> = {}) =>
    admin('x', { namespace: 'other', ...labels });
  const logs =
    'kubectl -n xao-system logs -l app.kubernetes.io/instance=xao,app.kubernetes.io/component=admin-api';

  describe('XeroAccessAdminApiDown', () => {
    const alert = 'XeroAccessAdminApiDown';
    const down = firing(alert, { severity: 'warning', namespace: releaseNamespace, job: adminJob });

    it("fires when none of this release's replicas is scraped for 5 minutes, whatever another release's do", () => {
      expectPasses({
        input_series: [
          { series: series('up', elsewhere()), values: '1x10' },
          // The reconciler's targets are another job.
          { series: series('up', scraped('a')), values: '1x10' },
        ],
        alert_rule_test: [at('4m', alert), at('5m', alert, down)],
      });
    });

    it('fires when every replica fails its scrape for 5 minutes, not while one answers', () => {
      expectPasses({
        input_series: [
          { series: series('up', admin('a')), values: '0x10 1x5' },
          { series: series('up', admin('b')), values: '0x15' },
        ],
        alert_rule_test: [at('4m', alert), at('5m', alert, down), at('11m', alert)],
      });
    });

    it('stays quiet through a rollout that leaves a minute unscraped', () => {
      expectPasses({
        input_series: [
          { series: series('up', admin('a')), values: '1x3 stale' }, // gone at 4m
          { series: series('up', admin('b')), values: '_x5 1x10' }, // from 5m
        ],
        alert_rule_test: [at('9m', alert), at('15m', alert)],
      });
    });
  });

  describe('XeroAccessAdminApiErrors', () => {
    const alert = 'XeroAccessAdminApiErrors';
    const requests = (labels: Record<string, string>) =>
      series('xao_admin_http_requests_total', labels);
    /** A counter of answers `route` gets with `status`, `perMinute` more each minute for 30 minutes. */
    const answers = (
      route: string,
      status: string,
      perMinute: number,
      labels = admin('a'),
      method = 'GET',
    ) => ({ series: requests({ ...labels, method, route, status }), values: `0+${perMinute}x30` });
    const errors = (route: string, share: string) =>
      firing(
        alert,
        { namespace: releaseNamespace, job: adminJob, route, severity: 'warning' },
        {
          summary: `${share} of the answers on ${route} of xero-access release xao's admin API (xao-system) were server errors in the past 10 minutes`,
        },
      );

    it('fires by route once over 5 % of its answers in 10 minutes are 5xx, at least 5 of them, for 5 minutes', () => {
      expect(rule(alert).annotations.description).toContain(logs);
      expectPasses({
        input_series: [
          // Failing: 1 answer in 10, on two replicas and two methods; the fifth failure at 5m.
          answers('/scim/v2/Users/{id}', '200', 4.5),
          answers('/scim/v2/Users/{id}', '503', 0.5),
          answers('/scim/v2/Users/{id}', '200', 4.5, admin('b'), 'PATCH'),
          answers('/scim/v2/Users/{id}', '500', 0.5, admin('b'), 'PATCH'),
          // Busy: 2 a minute fail, 2 %.
          answers('/findings', '200', 98),
          answers('/findings', '503', 2),
          // Quiet: one request every 5 minutes, failing (2 in the 10 minutes).
          answers('/reviews/{id}/report', '500', 0.2),
          // 4xx are the client's, refused not failed: 2.5 % failed, 7.5 % with them.
          answers('/staff', '200', 18.5),
          answers('/staff', '401', 1),
          answers('/staff', '500', 0.5),
          // Readiness while a replica drains, and another release's failures.
          answers('/health/ready', '503', 6),
          answers('/scim/v2/Users', '500', 10, elsewhere()),
        ],
        alert_rule_test: [
          at('9m', alert),
          at('10m', alert, errors('/scim/v2/Users/{id}', '10%')),
          at('30m', alert, errors('/scim/v2/Users/{id}', '10%')),
        ],
      });
    });

    it('ends once the failures are 10 minutes past', () => {
      expectPasses({
        input_series: [
          {
            series: requests({ ...admin('a'), method: 'GET', route: '/findings', status: '200' }),
            values: '0+5x40',
          },
          // 2 a minute fail until 20m, none after.
          {
            series: requests({ ...admin('a'), method: 'GET', route: '/findings', status: '503' }),
            values: '0+2x20 40+0x20',
          },
        ],
        alert_rule_test: [at('20m', alert, errors('/findings', '28.57%')), at('31m', alert)],
      });
    });
  });

  describe('XeroAccessAdminApiSlow', () => {
    const alert = 'XeroAccessAdminApiSlow';
    /**
     * A route's histogram (buckets 1 s, 2.5 s, 5 s, 60 s and +Inf of the API's), growing each minute
     * by `perMinute` answers, of which `slow` took 2.5 to 5 s and the rest under 1 s.
     */
    const histogram = (
      route: string,
      perMinute: number,
      slow: number,
      labels = admin('a'),
      minutes = 40,
    ) => {
      const grow = (n: number) => `0+${n}x${minutes}`;
      const fast = perMinute - slow;
      const bucket = (le: string, n: number) => ({
        series: series('xao_admin_http_request_duration_seconds_bucket', {
          ...labels,
          method: 'GET',
          route,
          le,
        }),
        values: grow(n),
      });
      return [
        bucket('1', fast),
        bucket('2.5', fast),
        bucket('5', perMinute),
        bucket('60', perMinute),
        bucket('+Inf', perMinute),
        {
          series: series('xao_admin_http_request_duration_seconds_count', {
            ...labels,
            method: 'GET',
            route,
          }),
          values: grow(perMinute),
        },
      ];
    };
    const slowOn = (route: string, p99: string) =>
      firing(
        alert,
        { namespace: releaseNamespace, job: adminJob, route, severity: 'warning' },
        {
          summary: `The admin API of xero-access release xao (xao-system) takes ${p99} to answer on ${route} (99th percentile)`,
        },
      );

    it('fires by route once over 1 % of its answers took over 2.5 s for 15 minutes, at a request a minute or more', () => {
      expect(rule(alert).annotations.description).toContain(logs);
      expectPasses({
        input_series: [
          // 1 in 10 slow: the 99th percentile is 2.5 + 2.5 × 0.9 = 4.75 s.
          ...histogram('/findings', 10, 1),
          // Half a percent slow.
          ...histogram('/staff', 200, 1),
          // Every answer slow, but one every 2 minutes.
          ...histogram('/audit-log', 0.5, 0.5),
          // Streamed, and the dependency check that waits for its timeouts.
          ...histogram('/reviews/{id}/report', 2, 2),
          ...histogram('/snapshots/chain', 2, 2),
          ...histogram('/staff/{id}/export', 2, 2),
          ...histogram('/health/dependencies', 2, 2),
          // Another release's.
          ...histogram('/findings', 10, 10, elsewhere()),
        ],
        alert_rule_test: [
          at('15m', alert),
          at('16m', alert, slowOn('/findings', '4.75s')),
          at('40m', alert, slowOn('/findings', '4.75s')),
        ],
      });
    });

    it('stays quiet through a slow spell shorter than 15 minutes', () => {
      const [first, second, ...rest] = histogram('/findings', 10, 1, admin('a'), 8);
      // Slow for 8 minutes, then every answer fast.
      const fastAfter = (s: { series: string; values: string }, n: number) => ({
        series: s.series,
        values: `${s.values} ${n}+10x30`,
      });
      expectPasses({
        input_series: [
          fastAfter(first!, 82),
          fastAfter(second!, 82),
          ...rest.map((s) => fastAfter(s, 90)),
        ],
        alert_rule_test: [at('10m', alert), at('16m', alert), at('30m', alert)],
      });
    });
  });

  describe('XeroAccessReevaluationRequestsFailed', () => {
    const alert = 'XeroAccessReevaluationRequestsFailed';
    const failed = (labels: Record<string, string>) =>
      series('xao_admin_reevaluation_requests_failed_total', labels);
    const lost = firing(
      alert,
      { namespace: releaseNamespace, job: adminJob, severity: 'warning' },
      {
        summary:
          'Staff, link or finding changes on the admin API of xero-access release xao (xao-system) could not ask for re-evaluation in the past 15 minutes',
      },
    );

    it('fires at the first request given up on by any replica, and ends 15 minutes after the last', () => {
      expect(rule(alert).annotations.description).toContain(logs);
      expectPasses({
        input_series: [
          // One request given up on at 6m.
          { series: failed(admin('a')), values: '0x5 1x30' },
          // A replica that never failed, and one started at 10m (its counter starts at 0).
          { series: failed(admin('b')), values: '0x35' },
          { series: failed(admin('c')), values: '_x9 0x25' },
          // Another release's.
          { series: failed(elsewhere()), values: '0+1x35' },
        ],
        alert_rule_test: [
          at('5m', alert),
          at('6m', alert, lost),
          at('19m', alert, lost),
          at('21m', alert),
        ],
      });
    });

    it('fires again for a failure after a restart reset the counter', () => {
      expectPasses({
        input_series: [
          // 3 failures, the pod restarts at 20m, and its new process gives one up at 40m.
          { series: failed(admin('a')), values: '0x5 3x14 stale' },
          { series: failed(admin('b')), values: '_x20 0x18 1x10' },
        ],
        alert_rule_test: [at('6m', alert, lost), at('38m', alert), at('40m', alert, lost)],
      });
    });
  });
});
