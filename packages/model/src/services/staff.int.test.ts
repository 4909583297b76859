import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../errors.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';

/** Who the audit log names for a SCIM provisioning. */
const scimClient = { actor: 'token:okta', actorRole: 'scim', requestId: 'req-1' };
/** Who the audit log names for the other changes. */
const admin = { actor: 'admin@acme.test', actorRole: 'admin' };

describe.each(testDrivers)('staff directory and account links on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  it('creates members with lowercased, unique emails', async () => {
    const ann = await db().staff.create(
      {
        email: '  Ann@Acme.TEST ',
        name: 'Ann',
        orgRole: 'accountant',
        externalId: 'okta-1',
        source: 'scim',
      },
      at('2026-11-01T00:00:00Z'),
    );
    expect(ann).toMatchObject({
      email: 'ann@acme.test',
      status: 'active',
      offboardedAt: null,
      source: 'scim',
      externalId: 'okta-1',
    });
    await expect(db().staff.create({ email: 'ANN@acme.test', name: 'Ann again' })).rejects.toThrow(
      ConflictError,
    );
    await expect(
      db().staff.create({ email: 'x@acme.test', name: 'X', externalId: 'okta-1' }),
    ).rejects.toThrow(ConflictError);
    expect((await db().staff.getByEmail('ann@ACME.test'))?.id).toBe(ann.id);
    expect((await db().staff.getByExternalId('okta-1'))?.id).toBe(ann.id);
  });

  it('names the invalid field', async () => {
    await expect(db().staff.create({ email: 'not-an-email', name: 'N' })).rejects.toThrow(
      /^email: /,
    );
    await expect(db().staff.create({ email: 'n@acme.test', name: '' })).rejects.toThrow(/^name: /);
    await expect(
      db().staff.create({ email: 'n@acme.test', name: 'N', status: 'gone' as 'active' }),
    ).rejects.toThrow(/^status: /);
    await expect(
      db().staff.create({ email: 'n@acme.test', name: 'N', admin: true } as never),
    ).rejects.toThrow(/admin/);
  });

  it('refuses a leaving time in the future on every path, naming the field', async () => {
    const now = at('2026-11-10T00:00:00Z');
    const ahead = at('2026-12-01T00:00:00Z');
    const future = /offboardedAt: 2026-12-01T00:00:00.000Z is in the future/;
    const leaver = { email: 'later@acme.test', name: 'L', status: 'offboarded' as const };
    await expect(db().staff.create({ ...leaver, offboardedAt: ahead }, now)).rejects.toThrow(
      new RegExp(`^${future.source}`),
    );
    await expect(
      db().staff.importMany(
        [
          { email: 'x@acme.test', name: 'X' },
          { ...leaver, offboardedAt: ahead },
        ],
        admin,
        now,
      ),
    ).rejects.toThrow(new RegExp(`^1\\.${future.source}`));
    const ann = (await db().staff.getByEmail('ann@acme.test'))!;
    await expect(db().staff.setStatus(ann.id, 'offboarded', admin, now, ahead)).rejects.toThrow(
      future,
    );
    await expect(
      db().staff.replace(ann.id, { ...leaver, offboardedAt: ahead }, admin, now),
    ).rejects.toThrow(future);
    await expect(
      db().staff.provision({ ...leaver, offboardedAt: ahead }, scimClient, now),
    ).rejects.toThrow(future);
    expect(await db().staff.getByEmail('later@acme.test')).toBeNull();
    expect((await db().staff.getByEmail('ann@acme.test'))?.status).toBe('active');
    // A clock a few minutes ahead of ours is not the future.
    const skewed = new Date(now.getTime() + 4 * 60_000);
    expect(await db().staff.setStatus(ann.id, 'offboarded', admin, now, skewed)).toMatchObject({
      status: 'offboarded',
      offboardedAt: skewed,
    });
    await db().staff.setStatus(ann.id, 'active', admin, now);
  });

  it('offboards (stamping offboardedAt), keeps the stamp on later edits, and reactivates', async () => {
    const ann = (await db().staff.getByEmail('ann@acme.test'))!;
    const off = await db().staff.setStatus(ann.id, 'offboarded', admin, at('2026-11-02T09:00:00Z'));
    expect(off).toMatchObject({ status: 'offboarded', offboardedAt: at('2026-11-02T09:00:00Z') });
    const renamed = await db().staff.update(
      ann.id,
      { name: 'Ann B' },
      admin,
      at('2026-11-03T00:00:00Z'),
    );
    expect(renamed).toMatchObject({
      name: 'Ann B',
      status: 'offboarded',
      offboardedAt: at('2026-11-02T09:00:00Z'),
      orgRole: 'accountant',
    });
    // Clearing the leaving date of a member who stays offboarded is refused, not ignored.
    await expect(db().staff.update(ann.id, { offboardedAt: null }, admin)).rejects.toThrow(
      /^offboardedAt: cannot be cleared while the member is offboarded: it records when they left \(2026-11-02T09:00:00.000Z\)/,
    );
    expect(await db().staff.get(ann.id)).toMatchObject({
      status: 'offboarded',
      offboardedAt: at('2026-11-02T09:00:00Z'),
    });
    const back = await db().staff.setStatus(ann.id, 'active', admin, at('2026-11-04T00:00:00Z'));
    expect(back).toMatchObject({ status: 'active', offboardedAt: null });
  });

  it('replaces a member wholesale (SCIM PUT clears omitted fields)', async () => {
    const ann = (await db().staff.getByEmail('ann@acme.test'))!;
    const replaced = await db().staff.replace(
      ann.id,
      { email: 'ann@acme.test', name: 'Ann C' },
      admin,
    );
    expect(replaced).toMatchObject({ name: 'Ann C', orgRole: null, externalId: null });
    await expect(
      db().staff.replace(
        '00000000-0000-7000-8000-000000000000',
        {
          email: 'z@acme.test',
          name: 'Z',
        },
        admin,
      ),
    ).rejects.toThrow(NotFoundError);
  });

  it('imports in bulk, upserting by email, all or nothing', async () => {
    const result = await db().staff.importMany(
      [
        { email: 'ann@acme.test', name: 'Ann C' },
        { email: 'bob@acme.test', name: 'Bob', orgRole: 'accountant' },
        {
          email: 'cat@acme.test',
          name: 'Cat',
          status: 'offboarded',
          offboardedAt: at('2026-10-01T00:00:00Z'),
        },
      ],
      admin,
    );
    expect(result).toEqual({ created: 2, updated: 0, unchanged: 1, skipped: 0, updatedIds: [] });
    const bob = await db().staff.getByEmail('bob@acme.test');
    expect(
      await db().staff.importMany(
        [
          { email: 'bob@acme.test', name: 'Robert', orgRole: 'accountant' },
          { email: 'ann@acme.test', name: 'Ann C' },
        ],
        admin,
      ),
    ).toEqual({ created: 0, updated: 1, unchanged: 1, skipped: 0, updatedIds: [bob?.id] });
    await expect(
      db().staff.importMany(
        [
          { email: 'dan@acme.test', name: 'Dan' },
          { email: 'bad', name: 'B' },
        ],
        admin,
      ),
    ).rejects.toThrow(/^1\.email: /);
    await expect(
      db().staff.importMany(
        [
          { email: 'eve@acme.test', name: 'E' },
          { email: 'EVE@acme.test', name: 'E2' },
        ],
        admin,
      ),
    ).rejects.toThrow(/^1\.email: .*more than once/);
    expect(await db().staff.getByEmail('dan@acme.test')).toBeNull();
    expect((await db().staff.getByEmail('cat@acme.test'))?.source).toBe('import');
  });

  it('lists members in the order they were added, with keyset pages and filters', async () => {
    const first = await db().staff.list({ limit: 2 });
    expect(first.items.map((s) => s.email)).toEqual(['ann@acme.test', 'bob@acme.test']);
    const second = await db().staff.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((s) => s.email)).toEqual(['cat@acme.test']);
    expect(second.nextCursor).toBeNull();
    expect((await db().staff.list({ status: 'offboarded' })).items.map((s) => s.email)).toEqual([
      'cat@acme.test',
    ]);
    expect((await db().staff.list({ email: 'BOB@acme.test' })).items).toHaveLength(1);
  });

  it('links Xero users to staff or as non-human, one link per Xero UserID', async () => {
    const bob = (await db().staff.getByEmail('bob@acme.test'))!;
    const link = await db().links.link(
      'xero-u1',
      { staffId: bob.id },
      { actor: 'admin@acme.test' },
    );
    expect(link).toMatchObject({
      userId: 'xero-u1',
      staffId: bob.id,
      nonHuman: false,
      justification: null,
      createdBy: 'admin@acme.test',
    });
    // Upper case is the same UserID: it replaces the link rather than adding one that never applies.
    const relinked = await db().links.link(
      'XERO-U1',
      { nonHuman: true, justification: 'payroll integration' },
      { actor: 'editor@acme.test' },
    );
    // Who created the link stays; who changed it is the audit log's to say.
    expect(relinked).toMatchObject({
      id: link.id,
      staffId: null,
      nonHuman: true,
      justification: 'payroll integration',
      createdBy: 'admin@acme.test',
      createdAt: link.createdAt,
    });
    await db().links.link('xero-u2', { staffId: bob.id }, admin);
    expect(await db().links.forUsers(['xero-u1', 'xero-u2', 'xero-u3'])).toEqual([
      { userId: 'xero-u1', nonHuman: true, justification: 'payroll integration' },
      { userId: 'xero-u2', staffId: bob.id },
    ]);
    expect((await db().links.list({ staffId: bob.id })).items.map((l) => l.userId)).toEqual([
      'xero-u2',
    ]);
    expect((await db().links.get('Xero-U2'))?.userId).toBe('xero-u2');
    const ann = (await db().staff.getByEmail('ann@acme.test'))!;
    await db().links.link('xero-u4', { staffId: ann.id }, admin);
    expect(await db().links.linkedUserIds([bob.id, ann.id, bob.id])).toEqual([
      'xero-u2',
      'xero-u4',
    ]);
    expect(await db().links.linkedUserIds([])).toEqual([]);
    await expect(db().links.linkedUserIds(['not-a-uuid'])).rejects.toThrow(/^staffId: /);
    await db().links.unlink('xero-u4', admin);
  });

  it('refuses half-specified links and unknown staff, naming the field', async () => {
    await expect(
      db().links.link('xero-u9', { nonHuman: true, justification: '  ' }, admin),
    ).rejects.toThrow(/^link: /);
    await expect(db().links.link('xero-u9', {} as never, admin)).rejects.toThrow(/^link: /);
    await expect(
      db().links.link('xero-u9', { staffId: '00000000-0000-7000-8000-000000000000' }, admin),
    ).rejects.toThrow(/^staffId: /);
    await expect(
      db().links.link('', { nonHuman: true, justification: 'x' }, admin),
    ).rejects.toThrow(/^userId: /);
    await expect(db().links.unlink('xero-u9', admin)).rejects.toThrow(NotFoundError);
  });

  it('unlinks by any case of the UserID, returning the link as it was stored', async () => {
    await db().links.link('xero-u9', { nonHuman: true, justification: 'x' }, admin);
    expect(await db().links.unlink('XERO-U9', admin)).toMatchObject({
      userId: 'xero-u9',
      nonHuman: true,
    });
    expect(await db().links.get('xero-u9')).toBeNull();
  });

  it('assembles the evaluation context for a snapshot in policy-input form', async () => {
    const s = await db().snapshots.record(
      acme,
      tenant,
      users(['xero-u1', 'STANDARD'], ['xero-u5', 'ADMIN']),
      at('2026-11-05T00:00:00Z'),
    );
    const context = await db().evaluationContext(s.id);
    expect(context?.snapshot.id).toBe(s.id);
    expect(context?.users.map((u) => u.userId)).toEqual(['xero-u1', 'xero-u5']);
    expect(context?.accountLinks).toEqual([
      { userId: 'xero-u1', nonHuman: true, justification: 'payroll integration' },
    ]);
    expect(context?.staff.find((m) => m.email === 'cat@acme.test')).toEqual({
      id: expect.any(String),
      email: 'cat@acme.test',
      name: 'Cat',
      orgRole: null,
      status: 'offboarded',
      offboardedAt: '2026-10-01T00:00:00.000Z',
    });
    expect(await db().evaluationContext('00000000-0000-7000-8000-000000000000')).toBeNull();
  });

  it('a SCIM delete keeps the member offboarded with its links, in the evaluation context', async () => {
    const ida = await db().staff.create(
      { email: 'ida@acme.test', name: 'Ida', orgRole: 'accountant', externalId: 'okta-ida' },
      at('2026-11-01T00:00:00Z'),
    );
    await db().links.link('xero-u7', { staffId: ida.id }, admin);
    const deleted = await db().staff.markDeleted(ida.id, admin, at('2026-11-06T10:00:00Z'));
    expect(deleted).toMatchObject({
      id: ida.id,
      status: 'offboarded',
      offboardedAt: at('2026-11-06T10:00:00Z'),
      deletedAt: at('2026-11-06T10:00:00Z'),
    });
    expect(await db().staff.get(ida.id)).toEqual(deleted);
    expect(await db().links.get('xero-u7')).toMatchObject({ staffId: ida.id });
    await expect(db().staff.markDeleted(ida.id, admin)).rejects.toThrow(NotFoundError);

    const s = await db().snapshots.record(
      acme,
      tenant,
      users(['xero-u7', 'STANDARD']),
      at('2026-11-06T11:00:00Z'),
    );
    const context = await db().evaluationContext(s.id);
    expect(context?.accountLinks).toEqual([{ userId: 'xero-u7', staffId: ida.id }]);
    // The policy input has no deletedAt: a deleted member is simply an offboarded one.
    expect(context?.staff.find((m) => m.id === ida.id)).toEqual({
      id: ida.id,
      email: 'ida@acme.test',
      name: 'Ida',
      orgRole: 'accountant',
      status: 'offboarded',
      offboardedAt: '2026-11-06T10:00:00.000Z',
    });
  });

  it('a SCIM delete keeps an earlier offboarding date', async () => {
    const jon = await db().staff.create({
      email: 'jon@acme.test',
      name: 'Jon',
      status: 'offboarded',
      offboardedAt: at('2026-10-15T00:00:00Z'),
    });
    expect(await db().staff.markDeleted(jon.id, admin, at('2026-11-06T10:00:00Z'))).toMatchObject({
      status: 'offboarded',
      offboardedAt: at('2026-10-15T00:00:00Z'),
      deletedAt: at('2026-11-06T10:00:00Z'),
    });
  });

  it('provisioning revives a deleted member with the same email and externalId (rehire) but refuses a live duplicate', async () => {
    const ida = (await db().staff.getByEmail('ida@acme.test'))!;
    const { record, revived } = await db().staff.provision(
      { email: 'IDA@acme.test', name: 'Ida R', externalId: 'okta-ida', source: 'scim' },
      scimClient,
      at('2026-11-07T00:00:00Z'),
    );
    expect(revived).toBe(true);
    expect(record).toMatchObject({
      id: ida.id,
      name: 'Ida R',
      status: 'active',
      offboardedAt: null,
      deletedAt: null,
      externalId: 'okta-ida',
      source: 'scim',
      createdAt: ida.createdAt,
    });
    // The same person's Xero login stays theirs.
    expect(await db().links.get('xero-u7')).toMatchObject({ staffId: ida.id });
    // What the revival overwrote is in the audit log, written with it.
    const entries = await db().audit.list({ action: 'staff.revive', resourceId: ida.id });
    expect(entries.items).toEqual([
      expect.objectContaining({
        actor: 'token:okta',
        actorRole: 'scim',
        requestId: 'req-1',
        resourceType: 'staff',
        outcome: 'success',
        at: at('2026-11-07T00:00:00Z'),
        details: {
          previous: {
            status: 'offboarded',
            offboardedAt: '2026-11-06T10:00:00.000Z',
            deletedAt: '2026-11-06T10:00:00.000Z',
            externalId: 'okta-ida',
            orgRole: 'accountant',
            source: 'manual',
          },
          accountLinksKept: ['xero-u7'],
        },
      }),
    ]);
    await expect(
      db().staff.provision({ email: 'ida@acme.test', name: 'Ida' }, scimClient),
    ).rejects.toThrow(ConflictError);
    const kim = await db().staff.provision({ email: 'kim@acme.test', name: 'Kim' }, scimClient);
    expect(kim).toMatchObject({ revived: false, record: { status: 'active', deletedAt: null } });
    expect((await db().audit.list({ action: 'staff.revive' })).items).toHaveLength(1);
  });

  it("gives a deleted leaver's email to a new member unless the externalId says it is them", async () => {
    const leaver = await db().staff.create(
      { email: 'sam@acme.test', name: 'Sam Leaver', orgRole: 'accountant', externalId: 'okta-sam' },
      at('2026-10-01T00:00:00Z'),
    );
    await db().links.link('xero-sam', { staffId: leaver.id }, admin);
    const deleted = await db().staff.markDeleted(leaver.id, admin, at('2026-11-06T12:00:00Z'));

    // Another person given the address (another externalId, or none where the leaver had one).
    for (const externalId of ['okta-sam-2', undefined]) {
      const hire = await db().staff.provision(
        { email: 'Sam@acme.test', name: 'Sam Hire', externalId, source: 'scim' },
        scimClient,
        at('2026-11-08T00:00:00Z'),
      );
      expect(hire).toMatchObject({
        revived: false,
        record: { email: 'sam@acme.test', name: 'Sam Hire', status: 'active', deletedAt: null },
      });
      expect(hire.record.id).not.toBe(leaver.id);
      expect((await db().staff.getByEmail('sam@acme.test'))?.id).toBe(hire.record.id);
      // A live member with the address is still the only one: a second is a conflict.
      await expect(
        db().staff.provision({ email: 'sam@acme.test', name: 'Sam 3' }, scimClient),
      ).rejects.toThrow(ConflictError);
      await db().staff.markDeleted(hire.record.id, admin, at('2026-11-09T00:00:00Z'));
    }
    // The leaver, their offboarding, their link and their history are as the deletion left them.
    expect(await db().staff.get(leaver.id)).toEqual(deleted);
    expect(await db().links.get('xero-sam')).toMatchObject({ staffId: leaver.id });
    expect(
      (await db().audit.list({ action: 'staff.revive', resourceId: leaver.id })).items,
    ).toEqual([]);
    const s = await db().snapshots.record(
      acme,
      tenant,
      users(['xero-sam', 'STANDARD']),
      at('2026-11-07T01:00:00Z'),
    );
    const context = await db().evaluationContext(s.id);
    expect(context?.accountLinks).toEqual([{ userId: 'xero-sam', staffId: leaver.id }]);
    expect(context?.staff.filter((m) => m.email === 'sam@acme.test')).toHaveLength(3);
    expect(context?.staff.find((m) => m.id === leaver.id)).toMatchObject({
      status: 'offboarded',
      offboardedAt: '2026-11-06T12:00:00.000Z',
    });

    // Their own externalId brings the leaver back, past the later deleted holders of the address.
    const back = await db().staff.provision(
      { email: 'sam@acme.test', name: 'Sam Back', externalId: 'okta-sam', source: 'scim' },
      scimClient,
      at('2026-11-10T00:00:00Z'),
    );
    expect(back).toMatchObject({ revived: true, record: { id: leaver.id, name: 'Sam Back' } });
  });

  it('without an externalId on either side, the email alone decides a rehire', async () => {
    const leaver = await db().staff.create(
      { email: 'tia@acme.test', name: 'Tia' },
      at('2026-10-01T00:00:00Z'),
    );
    await db().staff.markDeleted(leaver.id, admin, at('2026-11-06T12:00:00Z'));
    const back = await db().staff.provision(
      { email: 'tia@acme.test', name: 'Tia' },
      scimClient,
      at('2026-11-08T00:00:00Z'),
    );
    expect(back).toMatchObject({ revived: true, record: { id: leaver.id, deletedAt: null } });
    // But an externalId the leaver did not have is someone else.
    await db().staff.markDeleted(leaver.id, admin, at('2026-11-09T00:00:00Z'));
    const other = await db().staff.provision(
      { email: 'tia@acme.test', name: 'Tia Two', externalId: 'okta-tia' },
      scimClient,
      at('2026-11-10T00:00:00Z'),
    );
    expect(other.revived).toBe(false);
    expect(other.record.id).not.toBe(leaver.id);
  });

  it("an import updates the live member holding a deleted leaver's email, never the leaver", async () => {
    const leaver = await db().staff.create({
      email: 'uma@acme.test',
      name: 'Uma',
      externalId: 'u1',
    });
    const deleted = await db().staff.markDeleted(leaver.id, admin, at('2026-11-06T12:00:00Z'));
    const hire = await db().staff.provision(
      { email: 'uma@acme.test', name: 'Uma New', externalId: 'u2' },
      scimClient,
    );
    expect(
      await db().staff.importMany([{ email: 'uma@acme.test', name: 'Uma Renamed' }], admin),
    ).toMatchObject({ created: 0, updated: 1, skipped: 0, updatedIds: [hire.record.id] });
    expect(await db().staff.get(hire.record.id)).toMatchObject({ name: 'Uma Renamed' });
    expect(await db().staff.get(leaver.id)).toEqual(deleted);
  });

  it("never turns a deleted leaver's record into someone else with their externalId", async () => {
    const leaver = await db().staff.create(
      { email: 'john.smith@acme.test', name: 'John Smith', orgRole: 'accountant' },
      at('2026-10-01T00:00:00Z'),
    );
    await db().staff.update(leaver.id, { externalId: 'jsmith' }, admin, at('2026-10-01T00:00:00Z'));
    await db().links.link('xero-js', { staffId: leaver.id }, admin);
    const deleted = await db().staff.markDeleted(leaver.id, admin, at('2026-11-06T12:00:00Z'));

    const hire = await db().staff.provision(
      { email: 'john.smith2@acme.test', name: 'John Smith', externalId: 'jsmith', source: 'scim' },
      scimClient,
      at('2026-11-08T00:00:00Z'),
    );
    expect(hire).toMatchObject({
      revived: false,
      record: { email: 'john.smith2@acme.test', externalId: 'jsmith', status: 'active' },
    });
    expect(hire.record.id).not.toBe(leaver.id);
    // The leaver, their offboarding and their link are exactly as the deletion left them.
    expect(await db().staff.get(leaver.id)).toEqual(deleted);
    expect(await db().links.get('xero-js')).toMatchObject({ staffId: leaver.id });
    expect((await db().staff.getByExternalId('jsmith'))?.id).toBe(hire.record.id);
    // The deletion offboarded them (audited); the hire wrote nothing about them.
    expect((await db().audit.list({ resourceId: leaver.id })).items).toEqual([
      expect.objectContaining({
        action: 'staff.update',
        at: at('2026-11-06T12:00:00Z'),
        details: {
          previous: { status: 'active', offboardedAt: null },
          next: { status: 'offboarded', offboardedAt: '2026-11-06T12:00:00.000Z' },
        },
      }),
    ]);
    const s = await db().snapshots.record(
      acme,
      tenant,
      users(['xero-js', 'STANDARD']),
      at('2026-11-08T01:00:00Z'),
    );
    const context = await db().evaluationContext(s.id);
    expect(context?.accountLinks).toEqual([{ userId: 'xero-js', staffId: leaver.id }]);
    expect(context?.staff.find((m) => m.id === leaver.id)).toMatchObject({
      email: 'john.smith@acme.test',
      status: 'offboarded',
      offboardedAt: '2026-11-06T12:00:00.000Z',
    });
    // The externalId is unique among live members only: a second live holder is still a conflict.
    await expect(
      db().staff.provision(
        { email: 'john.smith3@acme.test', name: 'J', externalId: 'jsmith' },
        scimClient,
      ),
    ).rejects.toThrow(ConflictError);
  });

  it('an import row without a status keeps the member offboarded (no reactivated leavers)', async () => {
    const offboardedAt = at('2026-10-01T00:00:00Z');
    await db().staff.importMany(
      [{ email: 'lea@acme.test', name: 'Lea', status: 'offboarded', offboardedAt }],
      admin,
    );
    expect(
      await db().staff.importMany([{ email: 'lea@acme.test', name: 'Lea', orgRole: null }], admin),
    ).toEqual({ created: 0, updated: 0, unchanged: 1, skipped: 0, updatedIds: [] });
    await db().staff.importMany([{ email: 'lea@acme.test', name: 'Lea M' }], admin);
    const lea = await db().staff.getByEmail('lea@acme.test');
    expect(lea).toMatchObject({ name: 'Lea M', status: 'offboarded', offboardedAt });
    // Said explicitly, the status still changes; a new member without one is active.
    await db().staff.importMany(
      [
        { email: 'lea@acme.test', name: 'Lea M', status: 'active' },
        { email: 'max@acme.test', name: 'Max' },
      ],
      admin,
    );
    expect(await db().staff.getByEmail('lea@acme.test')).toMatchObject({
      status: 'active',
      offboardedAt: null,
    });
    expect((await db().staff.getByEmail('max@acme.test'))?.status).toBe('active');
  });

  it('an import keeps the fields a row leaves out, clears those it gives as null, and keeps the source', async () => {
    const noa = await db().staff.create({
      email: 'noa@acme.test',
      name: 'Noa',
      orgRole: 'controller',
      externalId: 'okta-noa',
      source: 'scim',
    });
    // An HR file without the orgRole and externalId columns.
    expect(await db().staff.importMany([{ email: 'noa@acme.test', name: 'Noa' }], admin)).toEqual({
      created: 0,
      updated: 0,
      unchanged: 1,
      skipped: 0,
      updatedIds: [],
    });
    await db().staff.importMany([{ email: 'noa@acme.test', name: 'Noa K' }], admin);
    expect(await db().staff.get(noa.id)).toMatchObject({
      name: 'Noa K',
      orgRole: 'controller',
      externalId: 'okta-noa',
      source: 'scim',
    });
    // Empty cells: the values are cleared.
    await db().staff.importMany(
      [{ email: 'noa@acme.test', name: 'Noa K', orgRole: null, externalId: null }],
      admin,
    );
    expect(await db().staff.get(noa.id)).toMatchObject({
      orgRole: null,
      externalId: null,
      source: 'scim',
    });
  });

  it('an import leaves members the identity provider deleted as they are, and refuses to reactivate one', async () => {
    const ola = await db().staff.create({
      email: 'ola@acme.test',
      name: 'Ola',
      orgRole: 'accountant',
      externalId: 'okta-ola',
    });
    const deleted = await db().staff.markDeleted(ola.id, admin, at('2026-11-06T12:00:00Z'));
    expect(
      await db().staff.importMany(
        [
          { email: 'ola@acme.test', name: 'Ola Renamed', orgRole: null },
          { email: 'pam@acme.test', name: 'Pam' },
        ],
        admin,
      ),
    ).toMatchObject({ created: 1, updated: 0, unchanged: 0, skipped: 1 });
    expect(
      await db().staff.importMany(
        [
          {
            email: 'ola@acme.test',
            name: 'Ola',
            status: 'offboarded',
            offboardedAt: at('2026-11-01T00:00:00Z'),
          },
        ],
        admin,
      ),
    ).toMatchObject({ updated: 0, skipped: 1 });
    await expect(
      db().staff.importMany(
        [
          { email: 'quinn@acme.test', name: 'Quinn' },
          { email: 'ola@acme.test', name: 'Ola', status: 'active' },
        ],
        admin,
      ),
    ).rejects.toThrow(
      /^1\.status: active, but the identity provider deleted this member \(SCIM DELETE, 2026-11-06T12:00:00\.000Z\)/,
    );
    expect(await db().staff.get(ola.id)).toEqual(deleted);
    expect(await db().staff.getByEmail('quinn@acme.test')).toBeNull();
  });

  it("an admin's change cannot reactivate a member the identity provider deleted either", async () => {
    const rae = await db().staff.create({ email: 'rae@acme.test', name: 'Rae' });
    const deleted = await db().staff.markDeleted(rae.id, admin, at('2026-11-06T12:00:00Z'));
    const refusal =
      /^status: active, but the identity provider deleted this member \(SCIM DELETE, 2026-11-06T12:00:00\.000Z\)/;
    await expect(db().staff.update(rae.id, { status: 'active' }, admin)).rejects.toThrow(refusal);
    await expect(db().staff.setStatus(rae.id, 'active', admin)).rejects.toThrow(refusal);
    expect(await db().staff.get(rae.id)).toEqual(deleted);
    // Changes that do not reactivate still apply (a name, an offboarding date).
    expect(await db().staff.update(rae.id, { name: 'Rae L' }, admin)).toMatchObject({
      name: 'Rae L',
      status: 'offboarded',
    });
  });
});
