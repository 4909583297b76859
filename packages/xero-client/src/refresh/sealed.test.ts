import { describe, expect, it } from 'vitest';
import { open, seal } from './sealed.js';

describe('sealed refresh results', () => {
  it('opens with the same secret and context only', () => {
    const box = seal('{"accessToken":"a-token"}', 'client-secret', 'ns/conn');
    expect(box).not.toContain('a-token');
    expect(open(box, 'client-secret', 'ns/conn')).toBe('{"accessToken":"a-token"}');
    expect(open(box, 'other-secret', 'ns/conn')).toBeUndefined();
    expect(open(box, 'client-secret', 'ns/other')).toBeUndefined();
    expect(open('garbage', 'client-secret', 'ns/conn')).toBeUndefined();
  });
});
