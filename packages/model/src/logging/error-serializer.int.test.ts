import { afterEach, describe, expect, it } from 'vitest';
import { databaseErrorKind } from '../database/database-error.js';
import { classifyDatabaseOutage } from '../database/database-unavailable.js';
import { StaffMember } from '../entities/staff-member.js';
import type { Dialect } from '../orm/database-url.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { safeErrorMessage, serializeError, type SafeError } from './error-serializer.js';

const EMAIL = 'carol.leak@acme.example';
const NAME = 'Carol Leakwell - Smith';
const ACTOR = `oidc:${EMAIL}`;
const IP = '203.0.113.7';

async function caught(call: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await call();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

/** The serialized error as it would reach the log line, checked for the values of the row. */
function logged(error: unknown, ...values: string[]): SafeError {
  const serialized = serializeError(error) as SafeError;
  const text = JSON.stringify(serialized);
  for (const value of values) expect(text).not.toContain(value);
  expect(serialized.stack?.split('\n')[0]).toBe(
    `${serialized.name ?? serialized.type}: ${serialized.message}`,
  );
  expect(serialized.stack).toMatch(/\n\s+at /);
  return serialized;
}

/** A trigger that refuses inserts into the audit log, as the audit interceptor's tests use. */
function refuseAuditSql(dialect: Dialect): string[] {
  if (dialect === 'sqlite')
    return [
      `create trigger refuse_audit_insert before insert on audit_log_entry begin select raise(abort, 'audit log refused'); end`,
    ];
  return [
    `create or replace function refuse_audit_insert() returns trigger as $$ begin raise exception 'audit log refused'; end $$ language plpgsql`,
    `create trigger refuse_audit_insert before insert on audit_log_entry for each row execute function refuse_audit_insert()`,
  ];
}

function allowAuditSql(dialect: Dialect): string[] {
  if (dialect === 'sqlite') return [`drop trigger if exists refuse_audit_insert`];
  return [
    `drop trigger if exists refuse_audit_insert on audit_log_entry`,
    `drop function if exists refuse_audit_insert()`,
  ];
}

describe.each(testDrivers)('database errors in the log on $dialect', (driver) => {
  const t = useTestModel(driver);
  const execute = async (sql: string[]) => {
    for (const statement of sql) await t.model.orm.em.fork().execute(statement);
  };
  afterEach(async () => execute(allowAuditSql(driver.dialect)));

  const insertStaff = () => {
    const em = t.model.orm.em.fork();
    const now = new Date();
    em.create(StaffMember, {
      id: crypto.randomUUID(),
      email: EMAIL,
      name: NAME,
      status: 'active',
      source: 'manual',
      createdAt: now,
      updatedAt: now,
    });
    return em.flush();
  };

  it('a unique violation keeps the driver message and code, not the email and name', async () => {
    await insertStaff();
    const error = await caught(insertStaff);
    expect(error.message).toContain(EMAIL);

    const serialized = logged(error, EMAIL, 'Carol', 'Leakwell', 'Smith', 'insert into');
    expect(serialized).toMatchObject(
      driver.dialect === 'postgresql'
        ? {
            type: 'UniqueConstraintViolationException',
            message:
              'duplicate key value violates unique constraint "staff_member_live_email_unique"',
            code: '23505',
          }
        : {
            type: 'UniqueConstraintViolationException',
            message: 'UNIQUE constraint failed: staff_member.email',
            code: 'SQLITE_CONSTRAINT_UNIQUE',
          },
    );
    expect(safeErrorMessage(error)).toBe(serialized.message);
    // Classification reads the error itself, which serializing left as it was.
    expect(error.message).toContain(EMAIL);
    expect(databaseErrorKind(error)).toBe('UniqueConstraintViolationException');
    expect(classifyDatabaseOutage(error)).toBeUndefined();
  });

  it('a refused audit log insert keeps the refusal, not the actor and source IP', async () => {
    await execute(refuseAuditSql(driver.dialect));
    const error = await caught(() =>
      t.model.db.audit.append({
        actor: ACTOR,
        action: 'POST /staff',
        resourceType: 'staff',
        sourceIp: IP,
        userAgent: 'curl/8.5.0',
        outcome: 'pending',
      }),
    );
    expect(error.message).toContain(IP);

    const serialized = logged(error, EMAIL, IP, 'curl/8.5.0', 'audit_log_entry');
    expect(serialized.message).toBe('audit log refused');
    expect(serialized.code).toBe(
      driver.dialect === 'postgresql' ? 'P0001' : 'SQLITE_CONSTRAINT_TRIGGER',
    );
  });

  it("the ORM's own validation error loses the entity it prints", async () => {
    const em = t.model.orm.em.fork();
    const now = new Date();
    // No name: MikroORM refuses the flush and prints the whole entity in its message.
    em.create(StaffMember, {
      id: crypto.randomUUID(),
      email: EMAIL,
      status: 'active',
      source: 'manual',
      createdAt: now,
      updatedAt: now,
    } as unknown as StaffMember);
    const error = await caught(() => em.flush());
    expect(error.message).toContain(EMAIL);

    const serialized = logged(error, EMAIL);
    expect(serialized).toMatchObject({
      type: 'ValidationError',
      message: 'Value for StaffMember.name is required, [value withheld] found',
    });
    expect(safeErrorMessage(error)).toBe(serialized.message);
  });

  it("a driver's own error (not converted by MikroORM) loses the statement too", async () => {
    const knex = t.model.orm.em.getConnection().getKnex();
    const error = await caught(async () =>
      knex.raw('select * from staff_member where email = ? and no_such_column = 1', [EMAIL]),
    );
    const serialized = logged(error, EMAIL, 'staff_member where');
    expect(serialized.message).toBe(
      driver.dialect === 'postgresql'
        ? 'column "no_such_column" does not exist'
        : 'no such column: no_such_column',
    );
    expect(serialized.code).toBe(driver.dialect === 'postgresql' ? '42703' : 'SQLITE_ERROR');
  });

  // SQLite's messages quote no input values: the case exists on PostgreSQL only.
  if (driver.dialect === 'postgresql')
    it('a value PostgreSQL quotes in its own message is withheld', async () => {
      const error = await caught(() =>
        t.model.orm.em.fork().execute('select * from staff_member where id = ?', [EMAIL]),
      );
      expect(error.message).toContain(`invalid input syntax for type uuid: "${EMAIL}"`);
      const serialized = logged(error, EMAIL);
      expect(serialized).toMatchObject({
        message: 'invalid input syntax for type uuid: [value withheld]',
        code: '22P02',
      });
    });
});
