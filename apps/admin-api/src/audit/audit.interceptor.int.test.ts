import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RETRY_AFTER_SECONDS } from '../http/database-unavailable.js';
import { createLogger } from '../logging/logger.js';
import { SCIM_USER } from '../scim/scim.types.js';
import { DIALECTS, startHarness, type Dialect, type Harness } from '../test/harness.js';

type Statement = 'INSERT' | 'UPDATE';

/**
 * A database trigger that refuses one kind of write to the audit log: a real database error, or
 * with `outage` one the API takes for the database being unavailable (busy, starting up).
 */
function refuseSql(dialect: Dialect, statement: Statement, outage = false): string[] {
  const name = `refuse_audit_${statement.toLowerCase()}`;
  if (dialect === 'sqlite') {
    const message = outage ? 'database is locked' : 'audit log refused';
    return [
      `create trigger ${name} before ${statement} on audit_log_entry begin select raise(abort, '${message}'); end`,
    ];
  }
  const raise = outage
    ? `raise exception 'the database system is starting up' using errcode = '57P03'`
    : `raise exception 'audit log refused'`;
  return [
    `create or replace function ${name}() returns trigger as $$ begin ${raise}; end $$ language plpgsql`,
    `create trigger ${name} before ${statement} on audit_log_entry for each row execute function ${name}()`,
  ];
}

function allowSql(dialect: Dialect, statement: Statement): string[] {
  const name = `refuse_audit_${statement.toLowerCase()}`;
  if (dialect === 'sqlite') return [`drop trigger if exists ${name}`];
  return [`drop trigger if exists ${name} on audit_log_entry`, `drop function if exists ${name}()`];
}

describe.each(DIALECTS)(
  'the audit log is written ahead of each write on $dialect',
  ({ dialect }) => {
    let h: Harness;
    const logLines: Record<string, unknown>[] = [];
    const execute = async (sql: string[]) => {
      for (const statement of sql) await h.model.orm.em.fork().execute(statement);
    };
    beforeAll(async () => {
      h = await startHarness(dialect, {
        logger: createLogger('warn', {
          write: (line: string) => void logLines.push(JSON.parse(line)),
        }),
      });
    });
    afterEach(async () => {
      await execute([...allowSql(dialect, 'INSERT'), ...allowSql(dialect, 'UPDATE')]);
    });
    afterAll(async () => h?.close());

    const staffNamed = async (email: string) =>
      (
        await h.call('GET', `/staff?email=${encodeURIComponent(email)}`, { token: h.tokens.admin })
      ).json().items as { id: string }[];
    const entriesFor = async (action: string) =>
      (
        (await h.call('GET', '/audit-log?limit=500', { token: h.tokens.admin })).json().items as {
          action: string;
          outcome: string;
          actor: string;
          resourceType: string;
          resourceId: string | null;
          actorRole: string | null;
          details: { status: number; reason?: string; field?: string } | null;
        }[]
      ).filter((e) => e.action === action);

    it('refuses a write whose entry cannot be written, before it changes anything', async () => {
      await execute(refuseSql(dialect, 'INSERT'));
      const email = 'unaudited@acme.example';
      const refused = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email, name: 'Not Audited' },
      });
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
      expect(refused.json().message).toBe(
        `the audit log cannot be written, so nothing was changed; retry in ${RETRY_AFTER_SECONDS} s`,
      );
      await execute(allowSql(dialect, 'INSERT'));
      expect(await staffNamed(email)).toEqual([]);
      const retried = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email, name: 'Not Audited' },
      });
      expect(retried.statusCode, retried.body).toBe(201);
    });

    it('logs why the entry could not be written, without the values it was writing', async () => {
      await execute(refuseSql(dialect, 'INSERT'));
      const agent = 'laptop of carol.leak@acme.example';
      const refused = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email: 'carol.leak@acme.example', name: 'Carol Leak' },
        headers: { 'user-agent': agent },
      });
      expect(refused.statusCode, refused.body).toBe(503);
      const line = logLines.find(
        (l) => l.msg === 'could not write the audit log entry; the request was refused',
      );
      expect(line?.err).toMatchObject({ message: 'audit log refused' });
      expect(JSON.stringify(logLines)).not.toContain('carol.leak@acme.example');
      expect(JSON.stringify(logLines)).not.toContain('insert into');
    });

    it.each([
      { what: 'refuses it', outage: false },
      { what: 'is unavailable', outage: true },
    ])(
      'logs a write refused because the audit log $what once, with its request id (SCIM too)',
      async ({ outage }) => {
        await execute(refuseSql(dialect, 'INSERT', outage));
        const from = logLines.length;
        const staff = await h.call('POST', '/staff', {
          token: h.tokens.admin,
          body: { email: 'logged.once@acme.example', name: 'Logged Once' },
        });
        const scim = await h.call('POST', '/scim/v2/Users', {
          token: h.tokens.scim,
          body: { schemas: [SCIM_USER], userName: 'logged.once@acme.example' },
          headers: { 'content-type': 'application/scim+json' },
        });
        expect([staff.statusCode, scim.statusCode], scim.body).toEqual([503, 503]);
        expect(staff.json().message).toMatch(
          outage ? /^the database is (busy|unavailable)/ : /^the audit log cannot be written/,
        );
        const refused = {
          level: 'error',
          msg: 'could not write the audit log entry; the request was refused',
        };
        expect(
          logLines
            .slice(from)
            .map(({ level, msg, reqId, action }) => ({ level, msg, reqId, action })),
        ).toEqual([
          { ...refused, reqId: staff.headers['x-request-id'], action: 'POST /staff' },
          { ...refused, reqId: scim.headers['x-request-id'], action: 'POST /scim/v2/Users' },
        ]);
      },
    );

    it('keeps the entry pending, not missing, when the outcome cannot be recorded', async () => {
      await execute(refuseSql(dialect, 'UPDATE'));
      const email = 'outcome-unknown@acme.example';
      const created = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email, name: 'Outcome Unknown' },
      });
      // The change committed before the outcome was due: the caller is told it happened.
      expect(created.statusCode, created.body).toBe(201);
      expect(await staffNamed(email)).toHaveLength(1);
      await execute(allowSql(dialect, 'UPDATE'));
      const [entry] = (await entriesFor('POST /staff')).filter((e) => e.outcome === 'pending');
      expect(entry).toMatchObject({ actor: 'token:test-admin', details: null });
    });

    it('settles each entry once with the status, actor and created id', async () => {
      const email = 'audited@acme.example';
      const created = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email, name: 'Audited Person' },
      });
      expect(created.statusCode).toBe(201);
      const duplicate = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email, name: 'Audited Person' },
      });
      expect(duplicate.statusCode).toBe(409);
      const entries = await entriesFor('POST /staff');
      expect(entries.filter((e) => e.outcome === 'success')).toContainEqual(
        expect.objectContaining({ resourceId: created.json().id, details: { status: 201 } }),
      );
      expect(entries.filter((e) => e.outcome === 'failure')).toContainEqual(
        expect.objectContaining({
          resourceId: null,
          details: {
            status: 409,
            reason: 'a staff member with this email or externalId already exists',
          },
        }),
      );
    });

    it('says who was refused what, on which resource, and why; never what the body held', async () => {
      const secret = `xao_${'s3cret-Value_'.repeat(4)}`;
      const member = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email: 'refused@acme.example', name: 'Refused Person' },
      });
      const id = member.json().id as string;
      const invalid = await h.call('PATCH', `/staff/${id}`, {
        token: h.tokens.admin,
        body: { offboardedAt: 'last friday', name: secret },
      });
      expect(invalid.statusCode).toBe(400);
      const duplicate = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email: 'refused@acme.example', name: secret },
      });
      expect(duplicate.statusCode).toBe(409);
      const scimUser = { schemas: [SCIM_USER], userName: 'scim.refused@acme.example' };
      const scim = (body: unknown) =>
        h.call('POST', '/scim/v2/Users', {
          token: h.tokens.scim,
          body,
          headers: { 'content-type': 'application/scim+json' },
        });
      expect((await scim(scimUser)).statusCode).toBe(201);
      const scimDuplicate = await scim(scimUser);
      expect(scimDuplicate.statusCode).toBe(409);

      const [patch] = (await entriesFor('PATCH /staff/:id')).filter((e) => e.resourceId === id);
      expect(patch).toMatchObject({
        actor: 'token:test-admin',
        actorRole: 'admin',
        resourceType: 'staff',
        outcome: 'failure',
        details: {
          status: 400,
          reason: invalid.json().message,
          field: 'body.offboardedAt',
        },
      });
      expect(invalid.json().message).toMatch(/^body\.offboardedAt: /);
      const [conflict] = await entriesFor('POST /staff');
      expect(conflict).toMatchObject({
        outcome: 'failure',
        details: { status: 409, reason: duplicate.json().message },
      });
      const [scimConflict] = await entriesFor('POST /scim/v2/Users');
      expect(scimConflict).toMatchObject({
        actor: 'token:test-scim',
        resourceType: 'scim.users',
        outcome: 'failure',
        details: { status: 409, reason: scimDuplicate.json().detail },
      });
      const log = (await h.call('GET', '/audit-log?limit=500', { token: h.tokens.admin })).body;
      expect(log).not.toContain('s3cret');
    });

    it('keeps why an import was refused without the email it named; the caller still gets it', async () => {
      const refused = await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        rawBody: 'email,name\r\ntwice@acme.example,A\r\nTwice@acme.example,B\r\n',
        headers: { 'content-type': 'text/csv' },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().message).toBe(
        'body.line 3.email: twice@acme.example appears more than once',
      );
      const [entry] = await entriesFor('POST /staff/import');
      expect(entry).toMatchObject({
        outcome: 'failure',
        details: {
          status: 400,
          reason: 'body.line 3.email: [email] appears more than once',
          field: 'body.line 3.email',
        },
      });
      expect(JSON.stringify(entry)).not.toContain('@');
    });
  },
);
