import { describe, expect, it } from 'vitest';
import { parseExpectedLinks } from './expected-link.js';

const hash = 'ab'.repeat(32);

describe('parseExpectedLinks', () => {
  it('reads <sequence>:<chainHash> values, by sequence, once each, hashes in lowercase', () => {
    expect(
      parseExpectedLinks([`7:${hash.toUpperCase()}`, `2:${'0'.repeat(64)}`, `7:${hash}`], 'expect'),
    ).toEqual([
      { sequence: 2, chainHash: '0'.repeat(64) },
      { sequence: 7, chainHash: hash },
    ]);
    expect(parseExpectedLinks([], 'expect')).toEqual([]);
  });

  it('refuses a malformed value or a sequence with two hashes, naming the field', () => {
    for (const bad of [hash, `0:${hash}`, `-1:${hash}`, `3:${hash.slice(1)}`, `3:${hash}x`, '3:'])
      expect(() => parseExpectedLinks([bad], '--expect')).toThrow(
        `--expect: ${JSON.stringify(bad)} is not <sequence>:<chainHash>`,
      );
    expect(() => parseExpectedLinks([`3:${hash}`, `3:${'c'.repeat(64)}`], 'expect')).toThrow(
      'expect: sequence 3 is given with two chain hashes',
    );
  });
});
