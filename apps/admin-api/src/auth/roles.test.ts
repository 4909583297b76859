import { describe, expect, it } from 'vitest';
import { allows, highestRole } from './roles.js';

describe('allows', () => {
  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'admin', true],
    ['reviewer', 'viewer', false],
    ['reviewer', 'reviewer', true],
    ['admin', 'reviewer', false],
    ['admin', 'admin', true],
    ['scim', 'admin', false],
    ['scim', 'scim', true],
    ['viewer', 'scim', false],
    ['public', 'viewer', true],
  ] as const)('rule %s, role %s → %s', (rule, role, expected) => {
    expect(allows(rule, role)).toBe(expected);
  });

  it('picks the highest mapped role', () => {
    expect(highestRole(['viewer', 'admin', 'reviewer'])).toBe('admin');
    expect(highestRole([])).toBeNull();
  });
});
