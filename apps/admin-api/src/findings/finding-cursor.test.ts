import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './finding-cursor.js';

describe('finding cursors', () => {
  const id = '0190f0d2-0000-7000-8000-000000000000';

  it('round-trip within their sort', () => {
    expect(
      decodeCursor(
        encodeCursor('findings:firstSeenAt:desc', 1700000000000, id),
        'findings:firstSeenAt:desc',
      ),
    ).toEqual({
      value: 1700000000000,
      id,
    });
  });

  it.each([
    ['another sort', encodeCursor('findings:lastSeenAt:asc', 1, id)],
    ['a non-UUID id', encodeCursor('findings:firstSeenAt:desc', 1, 'x')],
    ['a fractional time', encodeCursor('findings:firstSeenAt:desc', 1.5, id)],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{').toString('base64url')],
  ])('refuse %s', (_name, cursor) => {
    expect(() => decodeCursor(cursor, 'findings:firstSeenAt:desc')).toThrow(
      /cursor: is not a cursor returned by this listing/,
    );
  });
});
