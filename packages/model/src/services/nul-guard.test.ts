import { describe, expect, it } from 'vitest';
import { findNul, rejectNulArguments, replaceNul } from './nul-guard.js';

describe('NUL guard', () => {
  it('finds the path of the first string with a NUL, skipping dates', () => {
    expect(findNul({ a: 'ok', b: [{ c: 'x\u0000' }], d: new Date(0) })).toBe('b.0.c');
    expect(findNul('a\u0000')).toBe('');
    expect(findNul({ a: ['ok'], n: 1, z: null })).toBeNull();
  });

  it('replaces NULs deeply without touching other values', () => {
    const at = new Date(0);
    expect(replaceNul({ a: 'x\u0000y', b: [1, 'z\u0000'], at })).toEqual({
      a: 'x\uFFFDy',
      b: [1, 'z\uFFFD'],
      at,
    });
  });

  it('rejects a call whose arguments hold a NUL, naming the field, and passes others through', async () => {
    const service = rejectNulArguments({
      async echo(input: { name: string }) {
        return input.name;
      },
    });
    await expect(service.echo({ name: 'ann' })).resolves.toBe('ann');
    await expect(service.echo({ name: 'a\u0000n' })).rejects.toThrow(/^name: must not contain NUL/);
  });
});
