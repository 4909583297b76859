import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  decodeTextCursor,
  decodeTimeCursor,
  encodeCursor,
  pageSize,
  toPage,
} from './pagination.js';

describe('keyset cursors', () => {
  it('round-trips a value and an id within its scope', () => {
    const cursor = encodeCursor('findings:firstSeenAt:desc', 1_790_000_000_000, '0190-abc');
    expect(decodeCursor(cursor, 'findings:firstSeenAt:desc')).toEqual({
      value: 1_790_000_000_000,
      id: '0190-abc',
    });
  });

  it.each([
    ['garbage', 'not base64url JSON'],
    ['a b', 'a space'],
    [Buffer.from('{"a":1}').toString('base64url'), 'an object'],
    [Buffer.from('["findings:firstSeenAt:desc",null,"x"]').toString('base64url'), 'a null value'],
    [encodeCursor('findings:lastSeenAt:desc', 1, 'x'), 'another sort'],
    ['x'.repeat(600), 'a huge string'],
  ])('refuses %s (%s) naming the cursor field', (cursor) => {
    expect(() => decodeCursor(cursor, 'findings:firstSeenAt:desc')).toThrow(/^cursor: /);
  });

  it('validates the page size', () => {
    expect(pageSize(undefined)).toBe(50);
    expect(pageSize(500)).toBe(500);
    expect(() => pageSize(0)).toThrow(/^limit: /);
    expect(() => pageSize(501)).toThrow(/^limit: /);
    expect(() => pageSize(1.5)).toThrow(/^limit: /);
  });

  it('returns a next cursor only when there is another row', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(
      toPage(
        rows,
        2,
        (r) => r.id,
        (r) => `after-${r.id}`,
      ),
    ).toEqual({ items: ['a', 'b'], nextCursor: 'after-b' });
    expect(
      toPage(
        rows,
        3,
        (r) => r.id,
        (r) => `after-${r.id}`,
      ),
    ).toEqual({ items: ['a', 'b', 'c'], nextCursor: null });
  });
});

describe('time cursors', () => {
  const id = '0190a000-0000-7000-8000-000000000000';

  it('decode to a Date and a UUID', () => {
    expect(decodeTimeCursor(encodeCursor('audit', 1_790_000_000_000, id), 'audit')).toEqual({
      at: new Date(1_790_000_000_000),
      id,
    });
  });

  it.each([
    ['a non-UUID id', encodeCursor('audit', 1, "x' or 1=1")],
    ['a date out of range', encodeCursor('audit', 1e20, id)],
    ['a fractional timestamp', encodeCursor('audit', 1.5, id)],
    ['a string timestamp', encodeCursor('audit', '2026-01-01', id)],
  ])('refuse %s', (_, cursor) => {
    expect(() => decodeTimeCursor(cursor, 'audit')).toThrow(/^cursor: /);
  });
});

describe('text cursors', () => {
  it('decode a text value and an id as long as a Kubernetes name', () => {
    const name = 'n'.repeat(253);
    expect(decodeTextCursor(encodeCursor('connections', 'finance', name), 'connections')).toEqual({
      value: 'finance',
      id: name,
    });
  });

  it.each([
    ['a number value', encodeCursor('tokens', 1, 'x')],
    ['an id longer than a Kubernetes name', encodeCursor('tokens', 'ns', 'n'.repeat(254))],
    ['another listing', encodeCursor('staff', 'a@b', 'x')],
  ])('refuse %s', (_, cursor) => {
    expect(() => decodeTextCursor(cursor, 'tokens')).toThrow(/^cursor: /);
  });
});
