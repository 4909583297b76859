import { describe, expect, it } from 'vitest';
import { ReconcilerMetrics } from './metrics.js';

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
