import { describe, expect, it } from 'vitest';
import { csvCell, usersCsv } from './evidence-export.js';

describe('evidence CSV', () => {
  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(false)).toBe('false');
  });

  it('writes a header and one CRLF line per user', () => {
    const csv = usersCsv([
      {
        userId: 'u1',
        email: 'a@b.example',
        firstName: 'A',
        lastName: 'B',
        organisationRole: 'STANDARD',
        isSubscriber: false,
        updatedDateUtc: null,
        twoFactorEnabled: null,
        lastLoginAt: null,
      },
    ]);
    expect(csv).toBe(
      'userId,email,firstName,lastName,organisationRole,isSubscriber,updatedDateUtc,twoFactorEnabled,lastLoginAt\r\nu1,a@b.example,A,B,STANDARD,false,,,\r\n',
    );
  });
});
