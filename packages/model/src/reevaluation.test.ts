import { describe, expect, it } from 'vitest';
import { reevaluationKeys } from './reevaluation.js';

describe('re-evaluation keys', () => {
  it('are the same whether or not the prefix ends in a colon', () => {
    expect(reevaluationKeys('xao')).toEqual({
      channel: 'xao:reevaluate',
      pending: 'xao:reevaluate:pending',
    });
    expect(reevaluationKeys('xao:')).toEqual(reevaluationKeys('xao'));
  });
});
