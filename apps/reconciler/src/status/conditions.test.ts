import { describe, expect, it } from 'vitest';
import { readyFrom, setCondition } from './conditions.js';

const t0 = new Date('2026-11-22T00:00:00Z');
const t1 = new Date('2026-11-22T01:00:00Z');

describe('setCondition', () => {
  it('keeps lastTransitionTime while the status stays the same, moves it on a change', () => {
    let list = setCondition(
      [],
      { type: 'Synced', status: 'True', reason: 'Synced', message: 'a' },
      1,
      t0,
    );
    list = setCondition(
      list,
      { type: 'Synced', status: 'True', reason: 'Synced', message: 'b' },
      2,
      t1,
    );
    expect(list).toEqual([
      {
        type: 'Synced',
        status: 'True',
        reason: 'Synced',
        message: 'b',
        lastTransitionTime: t0.toISOString(),
        observedGeneration: 2,
      },
    ]);
    list = setCondition(
      list,
      { type: 'Synced', status: 'False', reason: 'RateLimited', message: 'c' },
      2,
      t1,
    );
    expect(list[0]!.lastTransitionTime).toBe(t1.toISOString());
  });
});

describe('readyFrom', () => {
  it('is True only when Authenticated, Synced and PoliciesEvaluated are True', () => {
    let list = setCondition(
      [],
      { type: 'Authenticated', status: 'True', reason: 'TokenValid', message: '' },
      1,
      t0,
    );
    list = setCondition(
      list,
      { type: 'Synced', status: 'True', reason: 'Synced', message: '' },
      1,
      t0,
    );
    expect(readyFrom(list)).toMatchObject({ status: 'Unknown' });
    list = setCondition(
      list,
      { type: 'PoliciesEvaluated', status: 'True', reason: 'Evaluated', message: '' },
      1,
      t0,
    );
    expect(readyFrom(list)).toMatchObject({ status: 'True', reason: 'Ready' });
  });

  it('carries the first failing condition reason and message', () => {
    let list = setCondition(
      [],
      {
        type: 'Authenticated',
        status: 'False',
        reason: 'InvalidCredentials',
        message: 'verify Client ID and Client Secret',
      },
      1,
      t0,
    );
    list = setCondition(
      list,
      { type: 'Synced', status: 'False', reason: 'RateLimited', message: 'later' },
      1,
      t0,
    );
    expect(readyFrom(list)).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'InvalidCredentials',
      message: 'verify Client ID and Client Secret',
    });
  });
});
