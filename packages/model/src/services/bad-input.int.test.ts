import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../errors.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import { encodeCursor } from './pagination.js';

/** A valid expiry for an acceptance made now (within the maximum acceptance period). */
const inAMonth = () => new Date(Date.now() + 30 * 86_400_000);

const NOT_AN_ID = "1' or '1'='1";
const SOME_UUID = '0190a000-0000-7000-8000-000000000000';

describe.each(testDrivers)(
  'bad input never reaches the database as an error on $dialect',
  (driver) => {
    let t: TestModel;
    beforeAll(async () => {
      t = await driver.create();
      await t.model.db.snapshots.record(
        acme,
        tenant,
        users(['a', 'ADMIN']),
        at('2026-11-01T00:00:00Z'),
      );
    });
    afterAll(async () => t?.dispose());
    const db = () => t.model.db;

    it('treats a malformed id as "not found" on lookups', async () => {
      expect(await db().findings.get(NOT_AN_ID)).toBeNull();
      expect(await db().snapshots.get(NOT_AN_ID)).toBeNull();
      expect(await db().staff.get(NOT_AN_ID)).toBeNull();
      expect(await db().reviews.get(NOT_AN_ID)).toBeNull();
      expect(await db().reviews.exportReport(NOT_AN_ID)).toBeNull();
      expect(await db().connections.getById(NOT_AN_ID)).toBeNull();
      expect(await db().evaluationContext(NOT_AN_ID)).toBeNull();
    });

    it('answers NotFoundError for writes and sub-resources of a malformed id', async () => {
      const calls: [string, () => Promise<unknown>][] = [
        ['findings.history', () => db().findings.history(NOT_AN_ID)],
        [
          'findings.acceptRisk',
          () =>
            db().findings.acceptRisk(NOT_AN_ID, {
              reason: 'r',
              by: 'b',
              until: inAMonth(),
            }),
        ],
        ['findings.revokeAcceptance', () => db().findings.revokeAcceptance(NOT_AN_ID, 'b')],
        ['snapshots.users', () => db().snapshots.users(NOT_AN_ID)],
        ['snapshots.diff', () => db().snapshots.diff(NOT_AN_ID, SOME_UUID)],
        ['staff.update', () => db().staff.update(NOT_AN_ID, { name: 'x' }, { actor: 'admin' })],
        ['staff.markDeleted', () => db().staff.markDeleted(NOT_AN_ID, { actor: 'admin' })],
        ['reviews.decisions', () => db().reviews.decisions(NOT_AN_ID)],
        ['reviews.decisionsPage', () => db().reviews.decisionsPage(NOT_AN_ID)],
        [
          'reviews.decide',
          () =>
            db().reviews.decide(NOT_AN_ID, 'a', {
              decision: 'keep',
              by: 'b',
              reviewerEmail: 'b@corp.test',
            }),
        ],
        ['reviews.complete', () => db().reviews.complete(NOT_AN_ID, 'b')],
        ['reviews.history', () => db().reviews.history(NOT_AN_ID)],
        ['reviews.history of a user', () => db().reviews.history(NOT_AN_ID, 'a')],
        ['tokens.revoke', () => db().tokens.revoke(NOT_AN_ID)],
        [
          'webhooks.recordAttempt',
          () => db().webhooks.recordAttempt(NOT_AN_ID, 'sender', { ok: true, statusCode: 200 }),
        ],
      ];
      for (const [name, call] of calls) {
        await expect(call(), name).rejects.toBeInstanceOf(NotFoundError);
      }
    });

    it('answers ValidationError for malformed ids given as input', async () => {
      await expect(db().findings.apply(acme, NOT_AN_ID, [])).rejects.toThrow(/^snapshotId: /);
      await expect(db().links.list({ staffId: NOT_AN_ID })).rejects.toThrow(/^staffId: /);
    });

    it('refuses forged cursors with a ValidationError on cursor', async () => {
      const forged = [
        encodeCursor('findings:firstSeenAt:desc', 1, NOT_AN_ID),
        encodeCursor('findings:firstSeenAt:desc', 1e20, SOME_UUID),
        encodeCursor('findings:firstSeenAt:desc', 'yesterday', SOME_UUID),
      ];
      for (const cursor of forged) {
        const error = await db()
          .findings.list({}, { cursor })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe('cursor');
      }
      await expect(
        db().snapshots.list(acme, { cursor: encodeCursor('snapshots', 'x', SOME_UUID) }),
      ).rejects.toThrow(/^cursor: /);
      await expect(
        db().audit.list({}, { cursor: encodeCursor('audit', 1, NOT_AN_ID) }),
      ).rejects.toThrow(/^cursor: /);
      await expect(
        db().webhooks.list({}, { cursor: encodeCursor('webhooks', 1.5, SOME_UUID) }),
      ).rejects.toThrow(/^cursor: /);
      await expect(
        db().reviews.list({}, { cursor: encodeCursor('reviews', 1, NOT_AN_ID) }),
      ).rejects.toThrow(/^cursor: /);
    });

    it('treats injection-looking filter values as plain data', async () => {
      expect(
        (
          await db().findings.list({
            subjectId: "' or 1=1 --",
            check: 'x"; drop table finding; --',
          })
        ).items,
      ).toEqual([]);
      expect(await db().staff.getByEmail("'; drop table staff_member; --")).toBeNull();
      expect(await db().snapshots.latest(acme, "' or ''='")).toBeNull();
      expect((await db().snapshots.latest(acme, tenant.tenantId))?.userCount).toBe(1);
    });

    it('refuses NUL characters (which PostgreSQL cannot store) naming the field, but audits them replaced', async () => {
      await expect(db().findings.list({ subjectId: 'a\u0000b' })).rejects.toThrow(
        /^subjectId: must not contain NUL/,
      );
      await expect(db().staff.create({ email: 'nul@acme.test', name: 'N\u0000' })).rejects.toThrow(
        /^name: must not contain NUL/,
      );
      await expect(db().staff.getByEmail('x\u0000@acme.test')).rejects.toThrow(/^argument 1: /);
      const entry = await db().audit.append({
        actor: 'a\u0000',
        action: 'staff.create',
        resourceType: 'staff',
        details: { name: 'N\u0000' },
      });
      expect(entry).toMatchObject({ actor: 'a\uFFFD', details: { name: 'N\uFFFD' } });
    });

    it('refuses invalid dates naming the field', async () => {
      const bad = new Date('not a date');
      await expect(db().audit.list({ since: bad })).rejects.toThrow(/^since: /);
      await expect(
        db().tokens.create({ name: 'x', role: 'viewer', expiresAt: bad }),
      ).rejects.toThrow(/^expiresAt: /);
      await expect(
        db().reviews.create({
          connection: acme,
          tenantId: tenant.tenantId,
          title: 't',
          createdBy: 'c',
          dueAt: bad,
        }),
      ).rejects.toThrow(/^dueAt: /);
      await expect(
        db().findings.acceptRisk(SOME_UUID, { reason: 'r', by: 'b', until: bad }),
      ).rejects.toThrow(/^until: /);
      await expect(db().snapshots.record(acme, tenant, [], bad)).rejects.toThrow(/^takenAt: /);
    });
  },
);
