import type { XeroConnectionCondition } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import {
  evaluatedCondition,
  evaluatedMessage,
  withEvaluatedCounts,
} from './evaluated-condition.js';

const northwind = {
  tenantId: 'b2c3d4e5-0000-4000-8000-000000000002',
  tenantName: 'Northwind',
  lastSyncTime: '2026-11-01T00:00:00.000Z',
  openFindings: 3,
};

describe('evaluatedMessage', () => {
  it('counts open findings, and says how many belong to organisations not monitored now', () => {
    expect(evaluatedMessage(2, [])).toBe('Access checks evaluated: 2 open findings.');
    expect(evaluatedMessage(5, [northwind])).toBe(
      'Access checks evaluated: 5 open findings. 3 of them in 1 organisation no longer monitored (see status.disconnectedTenants).',
    );
    expect(evaluatedMessage(5, [northwind, { ...northwind, tenantId: 'x', openFindings: 1 }])).toBe(
      'Access checks evaluated: 5 open findings. 4 of them in 2 organisations no longer monitored (see status.disconnectedTenants).',
    );
  });
});

describe('withEvaluatedCounts', () => {
  const evaluated: XeroConnectionCondition = {
    type: 'PoliciesEvaluated',
    status: 'True',
    reason: 'Evaluated',
    message: 'Access checks evaluated: 5 open findings.',
    lastTransitionTime: '2026-11-01T00:00:00Z',
    observedGeneration: 3,
  };
  const now = new Date('2026-11-02T00:00:00Z');

  it('updates the message only, keeping the generation and transition time', () => {
    expect(withEvaluatedCounts([evaluated], 2, [], now)).toEqual([
      { ...evaluated, message: 'Access checks evaluated: 2 open findings.' },
    ]);
  });

  const note =
    "Alert webhook: Secret finance/xero-access-alerts key url: must be an https URL. Until it is fixed this namespace's alerts are recorded as undeliverable.";

  it('says True with reason InvalidAlertTarget while the alerts Secret cannot be used', () => {
    expect(evaluatedCondition(2, [], note)).toEqual({
      type: 'PoliciesEvaluated',
      status: 'True',
      reason: 'InvalidAlertTarget',
      message: `Access checks evaluated: 2 open findings. ${note}`,
    });
    expect(evaluatedCondition(2, []).reason).toBe('Evaluated');
  });

  it('keeps what InvalidAlertTarget says about the alerts Secret while the count changes', () => {
    const invalid = {
      ...evaluated,
      reason: 'InvalidAlertTarget',
      message: `Access checks evaluated: 5 open findings. ${note}`,
    };
    expect(withEvaluatedCounts([invalid], 2, [], now)).toEqual([
      { ...invalid, message: `Access checks evaluated: 2 open findings. ${note}` },
    ]);
    expect(withEvaluatedCounts([invalid], 5, [], now)).toBeUndefined();
  });

  it('leaves the conditions alone when the message is right or the evaluation failed', () => {
    expect(withEvaluatedCounts([evaluated], 5, [], now)).toBeUndefined();
    const failed = { ...evaluated, status: 'False' as const, reason: 'InternalError' };
    expect(withEvaluatedCounts([failed], 2, [], now)).toBeUndefined();
    expect(withEvaluatedCounts(undefined, 2, [], now)).toBeUndefined();
  });
});
