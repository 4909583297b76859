import { serializeError, verifyChainRecords } from '@xero-access/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const CONN = { namespace: 'finance', name: 'probe' };
const GUID = '8f5c3a2e-1b2c-4d5e-9f00-aabbccddeeff';

describe.each(DIALECTS)('audit probe on $dialect', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
    await h.model.db.snapshots.record(CONN, { tenantId: 't1', tenantName: 'T1' }, [
      { userId: GUID, email: 'bob.personal@gmail.example', organisationRole: 'STANDARD' },
    ], new Date('2026-11-20T00:00:00Z'));
    await h.model.db.snapshots.record(CONN, { tenantId: 't2', tenantName: 'T2' }, [
      { userId: 'u-x', email: 'x@acme.example', organisationRole: 'STANDARD' },
    ], new Date('2026-11-20T00:00:00Z'));
  });
  afterAll(async () => h?.close());

  it('links with upper-case GUID', async () => {
    const bob = await h.call('POST', '/staff', { token: h.tokens.admin, body: { email: 'bob@acme.example', name: 'Bob' } });
    const upper = await h.call('PUT', `/links/${GUID.toUpperCase()}`, { token: h.tokens.admin, body: { staffId: bob.json().id } });
    console.log('PROBE upper link', upper.statusCode, upper.json().userId, upper.json().reevaluated);
    const lower = await h.call('PUT', `/links/${GUID}`, { token: h.tokens.admin, body: { staffId: bob.json().id } });
    console.log('PROBE lower link', lower.statusCode, lower.json().reevaluated);
    // createdBy overwritten
    const other = (await h.model.db.tokens.create({ name: 'other-admin', role: 'admin' })).token;
    const again = await h.call('PUT', `/links/${GUID}`, { token: other, body: { nonHuman: true, justification: 'svc' } });
    console.log('PROBE createdBy', lower.json().createdBy, lower.json().createdAt, '->', again.json().createdBy, again.json().createdAt);
    await h.call('PUT', `/links/${GUID}`, { token: h.tokens.admin, body: { staffId: bob.json().id } });
    // import offboards Bob (linked, different Xero email)
    const imp = await h.call('POST', '/staff/import', { token: h.tokens.admin, body: [{ email: 'bob@acme.example', name: 'Bob', status: 'offboarded' }] });
    console.log('PROBE import', imp.statusCode, JSON.stringify(imp.json()));
    const patch = await h.call('PATCH', `/staff/${bob.json().id}`, { token: h.tokens.admin, body: { name: 'Bob B' } });
    console.log('PROBE patch', patch.statusCode, JSON.stringify(patch.json().reevaluated));
    const audit = await h.call('GET', '/audit-log?resourceType=links', { token: h.tokens.admin });
    console.log('PROBE audit resourceIds', audit.json().items.map((e: { resourceId: string }) => e.resourceId));
    // future offboardedAt
    const fut = await h.call('PATCH', `/staff/${bob.json().id}`, { token: h.tokens.admin, body: { status: 'offboarded', offboardedAt: '2099-01-01T00:00:00Z' } });
    console.log('PROBE future offboardedAt', fut.statusCode, fut.json().offboardedAt);
  });

  it('per-tenant connection finding', async () => {
    const page = await h.model.db.snapshots.list(CONN, {});
    for (const s of page.items) {
      await h.model.db.findings.apply(CONN, s.id, [{ check: 'critical-system-access-configured', severity: 'medium', subject: { kind: 'connection', id: 'finance/probe' }, message: 'm', remediation: 'r' }]);
    }
    console.log('PROBE openCounts', JSON.stringify(await h.model.db.findings.openCounts(CONN)));
  });

  it('db error message carries values', async () => {
    const em = h.model.orm.em.fork();
    if (dialect === 'sqlite') await em.execute(`create trigger probe_refuse before insert on audit_log_entry begin select raise(abort, 'refused'); end`);
    else {
      await em.execute(`create or replace function probe_refuse() returns trigger as $$ begin raise exception 'refused'; end $$ language plpgsql`);
      await em.execute(`create trigger probe_refuse before insert on audit_log_entry for each row execute function probe_refuse()`);
    }
    try {
      await h.model.db.audit.append({ actor: 'oidc:carol.secretperson@acme.example', action: 'POST /staff', resourceType: 'staff', sourceIp: '203.0.113.7' });
    } catch (error) {
      console.log('PROBE err', JSON.stringify(serializeError(error)).slice(0, 600));
    }
    console.log('PROBE empty chain', JSON.stringify(verifyChainRecords([])));
  });
});
