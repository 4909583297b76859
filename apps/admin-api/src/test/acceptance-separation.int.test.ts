import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

interface AuditEntry {
  action: string;
  actor: string;
  resourceId: string | null;
  outcome: string;
  details: { status: number; reason?: string } | null;
}

/**
 * Separation of duties in risk acceptance, as in access reviews: no admin accepts the risk of a
 * finding about their own Xero access. Withdrawing an acceptance reopens the finding, so anyone may.
 */
describe.each(DIALECTS)('separation of duties in risk acceptance on $dialect', ({ dialect }) => {
  let h: Harness;
  const finding = { jack: '', emma: '', connection: '' };
  const token = { jack: '', emma: '', rita: '', shared: '' };
  beforeAll(async () => {
    h = await startHarness(dialect);
    const { transitions } = await seedAcme(h.model);
    const idOf = (subject: string) =>
      transitions.find((t) => t.finding.subject.id === subject)!.finding.id;
    finding.jack = idOf('u-jack');
    finding.emma = idOf('u-emma');
    finding.connection = idOf('finance/acme');
    const create = async (name: string, ownerEmail?: string) =>
      (await h.model.db.tokens.create({ name, role: 'admin', ownerEmail })).token;
    // Jack's email as the evidence snapshot recorded it, in another case.
    token.jack = await create('jack-admin', 'Jack.Taylor@GMAIL.example');
    // Emma's token names her staff record, which only an account link ties to her Xero user.
    const emma = await h.model.db.staff.create({ email: 'emma@acme.example', name: 'Emma Brown' });
    await h.model.db.links.link('u-emma', { staffId: emma.id }, { actor: 'test' });
    token.emma = await create('emma-admin', 'emma@acme.example');
    token.rita = await create('rita-admin', 'rita@acme.example');
    token.shared = await create('shared-admin');
  });
  afterAll(async () => h?.close());

  const accept = (id: string, as: string) =>
    h.call('POST', `/findings/${id}/accept`, { token: as, body: { reason: 'contractor' } });
  const withdraw = (id: string, as: string) =>
    h.call('DELETE', `/findings/${id}/acceptance`, { token: as });
  const statusOf = async (id: string) =>
    (await h.call('GET', `/findings/${id}`, { token: h.tokens.viewer })).json().status;
  const auditOf = async (action: string, id: string) =>
    (
      await h.call('GET', '/audit-log', {
        token: h.tokens.admin,
        query: { action, resourceId: id, limit: '500' },
      })
    ).json<{ items: AuditEntry[] }>().items;

  it("refuses an admin accepting the risk of their own Xero user's finding (their email in the answer), and audits it", async () => {
    const refused = await accept(finding.jack, token.jack);
    expect(refused.statusCode).toBe(403);
    const message =
      'separation of duties: token:jack-admin may not accept the risk of a finding about their ' +
      'own Xero access (user u-jack has the email jack.taylor@gmail.example); another admin must ' +
      'accept it';
    expect(refused.json()).toEqual({ statusCode: 403, error: 'Forbidden', message });
    expect(await statusOf(finding.jack)).toBe('open');
    expect(await auditOf('POST /findings/:id/accept', finding.jack)).toEqual([
      expect.objectContaining({
        actor: 'token:jack-admin',
        outcome: 'failure',
        // The audit log keeps the refusal, not the address (see audit/redact-emails.ts).
        details: { status: 403, reason: message.replace('jack.taylor@gmail.example', '[email]') },
      }),
    ]);
  });

  it('refuses an admin whose staff record an account link ties to the Xero user', async () => {
    const refused = await accept(finding.emma, token.emma);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe(
      'separation of duties: token:emma-admin may not accept the risk of a finding about their ' +
        'own Xero access (user u-emma is linked to staff member emma@acme.example); another ' +
        'admin must accept it',
    );
    expect(await statusOf(finding.emma)).toBe('open');
  });

  it('refuses a credential that names no person on a user finding, not on a connection finding', async () => {
    const refused = await accept(finding.emma, token.shared);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(
      /^separation of duties needs the admin's verified email, so that no one accepts the risk of a finding about their own Xero access; token:shared-admin has none: it is an API token without an ownerEmail/,
    );
    const connection = await accept(finding.connection, token.shared);
    expect(connection.statusCode, connection.body).toBe(200);
    expect(connection.json().finding.status).toBe('accepted');
  });

  it('lets another admin accept, and the subject withdraw it (reopening is never a conflict)', async () => {
    const accepted = await accept(finding.jack, token.rita);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().finding.acceptedRisk).toMatchObject({ by: 'token:rita-admin' });
    // Jack deciding on anyone else's finding is no conflict.
    expect((await accept(finding.emma, token.jack)).statusCode).toBe(200);

    const withdrawn = await withdraw(finding.jack, token.jack);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json().finding.status).toBe('open');
    expect(await statusOf(finding.jack)).toBe('open');
  });
});
