import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: true, c: null }, 'x'] })).toBe(
      '{"a":[{"c":null,"d":true},"x"],"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units, as RFC 8785 requires', () => {
    expect(canonicalJson({ é: 1, z: 2, A: 3 })).toBe('{"A":3,"z":2,"é":1}');
  });

  it('escapes strings like JSON.stringify and drops undefined members', () => {
    expect(canonicalJson({ s: 'a"b\n\u2028', u: undefined })).toBe('{"s":"a\\"b\\n\u2028"}');
  });

  it('writes dates as ISO-8601 strings', () => {
    expect(canonicalJson({ at: new Date('2026-01-02T03:04:05.006Z') })).toBe(
      '{"at":"2026-01-02T03:04:05.006Z"}',
    );
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN is not representable/);
    expect(() => canonicalJson(undefined)).toThrow(/undefined is not representable/);
  });
});
