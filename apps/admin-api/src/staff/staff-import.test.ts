import { describe, expect, it } from 'vitest';
import { ValidationError } from '@xero-access/model';
import { importRowError, parseStaffCsv } from './staff-import.js';

describe('parseStaffCsv', () => {
  it('reads the header, trims, turns empty cells into null and parses dates', () => {
    const rows = parseStaffCsv(
      '\uFEFFemail,name,orgRole,status,offboardedAt\r\n a@b.example ,"Lee, Ann",,offboarded,2026-11-01T00:00:00Z\r\n\r\n',
    );
    expect(rows).toEqual([
      {
        email: 'a@b.example',
        name: 'Lee, Ann',
        orgRole: null,
        status: 'offboarded',
        offboardedAt: new Date('2026-11-01T00:00:00Z'),
      },
    ]);
  });

  it('names the line and column at fault', () => {
    expect(() => parseStaffCsv('email,name,status\r\na@b.example,A,gone\r\n')).toThrow(
      /body\.line 2\.status: must be active or offboarded/,
    );
    expect(() => parseStaffCsv('email,name\r\n"unterminated,A\r\n')).toThrow(/body: not valid CSV/);
  });
});

describe('importRowError', () => {
  it("names the directory's row errors by CSV line or JSON index in the body", () => {
    const fromModel = new ValidationError('3.email', 'x appears more than once');
    expect((importRowError(fromModel, true) as Error).message).toBe(
      'body.line 5.email: x appears more than once',
    );
    expect(importRowError(fromModel, false)).toMatchObject({
      response: { field: 'body.3.email', message: 'body.3.email: x appears more than once' },
    });
  });

  it('leaves other errors as they are', () => {
    const other = new ValidationError('email', 'bad');
    expect(importRowError(other, true)).toBe(other);
    const plain = new Error('3.email: not from the model');
    expect(importRowError(plain, true)).toBe(plain);
  });
});
