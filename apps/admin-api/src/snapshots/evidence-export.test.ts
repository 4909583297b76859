import { describe, expect, it } from 'vitest';
import { csvCell, evidenceFileName, usersCsv } from './evidence-export.js';

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

  it("names the download after the connection, the tenant and the tenant's sequence", () => {
    const connection = { namespace: 'finance', name: 'acme' };
    const first = (tenantId: string) =>
      evidenceFileName({ connection, tenantId, sequence: 1 }, 'csv');
    const [a, b] = ['5c6a2f4e-0d1b-4c8e-9f7a-3b2d1e0f9a8c', '0e1f2a3b-4c5d-4e6f-8a9b-c0d1e2f3a4b5'];
    // Sequences count per tenant: two tenants' first snapshots must not share a name.
    expect(first(a)).toBe(`snapshot-finance-acme-${a}-1.csv`);
    expect(first(b)).not.toBe(first(a));
    expect(evidenceFileName({ connection, tenantId: a, sequence: 12 }, 'json')).toBe(
      `snapshot-finance-acme-${a}-12.json`,
    );
    // Nothing that would end the header's quoted name or name a folder.
    expect(first('t"1/..\\x')).toBe('snapshot-finance-acme-t_1_.._x-1.csv');
  });
});
