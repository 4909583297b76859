import { describe, expect, it } from 'vitest';
import { retryWithinBudget } from './retry-within-budget.js';

const quick = { budgetMs: 10_000, firstDelayMs: 1, maxDelayMs: 2 };

describe('retryWithinBudget', () => {
  it('returns the first success, after the failed tries', async () => {
    const failures: number[] = [];
    let calls = 0;
    const outcome = await retryWithinBudget(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`try ${calls}`);
        return 'queued';
      },
      quick,
      (_, attempts) => failures.push(attempts),
    );
    expect(outcome).toEqual({ ok: true, value: 'queued', attempts: 3 });
    expect(failures).toEqual([1, 2]);
  });

  it('gives up once the budget is spent, with the last error, and never throws', async () => {
    let calls = 0;
    const outcome = await retryWithinBudget(
      async () => {
        calls += 1;
        throw new Error(`try ${calls}`);
      },
      { budgetMs: 30, firstDelayMs: 1, maxDelayMs: 2 },
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(calls);
    expect(calls).toBeGreaterThan(1);
    expect(outcome.ok ? undefined : (outcome.error as Error).message).toBe(`try ${calls}`);
  });

  it('abandons a try that gets no answer within the budget', async () => {
    const outcome = await retryWithinBudget(() => new Promise<never>(() => undefined), {
      budgetMs: 20,
      firstDelayMs: 100,
      maxDelayMs: 100,
    });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.ok ? undefined : (outcome.error as Error).message).toMatch(/^no answer within/);
  });
});
