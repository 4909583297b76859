import { describe, expect, it } from 'vitest';
import { ValidationError } from '@xero-access/model';
import { importRowError, parseStaffCsv, parseStaffJson } from './staff-import.js';

describe('parseStaffCsv', () => {
  it('reads the header, trims, turns empty cells into null and parses dates', () => {
    const { rows } = parseStaffCsv(
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

  it('matches header names ignoring case', () => {
    expect(parseStaffCsv('Email,NAME,OrgRole\na@b.example,A,cfo\n').rows).toEqual([
      { email: 'a@b.example', name: 'A', orgRole: 'cfo' },
    ]);
  });

  it.each([
    ['LF', '\n', '\n'],
    ['CRLF rows, LF in cells (Excel)', '\r\n', '\n'],
    ['CRLF', '\r\n', '\r\n'],
    ['CR', '\r', '\r'],
  ])(
    'names the line a row starts on, past blank lines and cells that span lines (%s)',
    (_, eol, inCell) => {
      const csv =
        `\uFEFF${eol}email,name,status${eol}` +
        `a@b.example,"Ann${inCell}Lee",active${eol}${eol}${eol}` +
        `b@b.example,"Bo${inCell}Kim${inCell}Ng",offboarded${eol}` +
        `c@b.example,C,terminated`;
      expect(() => parseStaffCsv(csv)).toThrow(
        /^body\.line 10\.status: must be active or offboarded$/,
      );
    },
  );

  it.each([
    [
      'an unknown column',
      'email,name,colour\na@b.example,A,blue\n',
      'unknown column "colour"; the columns are email, name, orgRole, status, offboardedAt, externalId',
    ],
    [
      'a missing required column',
      'Email,Status\na@b.example,active\n',
      'the header has no name column (email and name are required)',
    ],
    [
      'a column named twice',
      'email,name,Email\na@b.example,A,b@b.example\n',
      'columns 1 and 3 both name email',
    ],
    ['an unnamed column', 'email,,name\na@b.example,x,A\n', 'column 2 of the header has no name'],
    [
      'a file separated by semicolons',
      'email;name\na@b.example;A\n',
      'the header is one column, "email;name": is the file separated by ";"? Separate columns with ","',
    ],
    [
      'a file separated by tabs',
      'email\tname\na@b.example\tA\n',
      'the header is one column, "email\\tname": is the file separated by tabs? Separate columns with ","',
    ],
  ])('refuses a header with %s, naming its line before any row', (_, csv, problem) => {
    expect(() => parseStaffCsv(`\n${csv}`)).toThrow(
      expect.objectContaining({
        response: expect.objectContaining({
          field: 'body.line 2',
          message: `body.line 2: ${problem}`,
        }),
      }),
    );
  });

  it('refuses a row with more or fewer cells than the header, naming its line', () => {
    expect(() => parseStaffCsv('email,name\na@b.example,A\n\nb@b.example,B,x\n')).toThrow(
      /^body\.line 4: has 3 cells where the header has 2$/,
    );
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
    const fromModel = new ValidationError('1.email', 'x appears more than once');
    // The second row starts on line 4: a blank line comes before it.
    const csv = parseStaffCsv('email,name\na@b.example,A\n\nx@b.example,X\n');
    expect((importRowError(fromModel, csv) as Error).message).toBe(
      'body.line 4.email: x appears more than once',
    );
    const json = parseStaffJson([
      { email: 'a@b.example', name: 'A' },
      { email: 'x@b.example', name: 'X' },
    ]);
    expect(importRowError(fromModel, json)).toMatchObject({
      response: { field: 'body.1.email', message: 'body.1.email: x appears more than once' },
    });
  });

  it('leaves other errors as they are', () => {
    const rows = parseStaffJson([]);
    const other = new ValidationError('email', 'bad');
    expect(importRowError(other, rows)).toBe(other);
    const plain = new Error('3.email: not from the model');
    expect(importRowError(plain, rows)).toBe(plain);
  });
});
