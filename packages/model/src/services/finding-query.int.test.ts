import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportedFinding } from '../findings/reported-finding.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, tenant, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { FindingFilter, FindingPageRequest } from './finding-query.js';
import type { FindingRecord } from './finding-records.js';

const beta = { namespace: 'ops', name: 'beta' };
const CHECKS = [
  'user-identified',
  'offboarded-access-removed',
  'critical-system-access-valid',
] as const;
const SEVERITY = ['low', 'medium', 'high'] as const;

/** Subject i is first reported at minute i and stays reported, so firstSeenAt orders by i. */
function reported(upTo: number): ReportedFinding[] {
  return Array.from({ length: upTo + 1 }, (_, i) => ({
    check: CHECKS[i % 3]!,
    severity: SEVERITY[i % 3]!,
    subject: { kind: 'user', id: `u${String(i).padStart(2, '0')}` },
    message: `finding ${i}`,
  }));
}

describe.each(testDrivers)('findings listing on $dialect', (driver) => {
  let t: TestModel;
  const base = Date.parse('2026-11-01T00:00:00Z');
  const minute = (i: number) => new Date(base + i * 60_000);

  beforeAll(async () => {
    t = await driver.create();
    // Each evaluation is written at the minute it is made, so that is what it stamps.
    const clock = new ManualClock(minute(0));
    const db = databaseWithClock(t.model, clock);
    const applyAt = async (ref: typeof acme, found: ReportedFinding[], when: Date) => {
      const s = await db.snapshots.record(ref, tenant, users(), when);
      clock.set(when);
      await db.findings.apply(ref, s.id, found, when);
    };
    for (let i = 0; i < 12; i++) await applyAt(acme, reported(i), minute(i));
    await applyAt(beta, reported(2), minute(20));
    // Resolve u00..u02 of acme by reporting only the rest.
    await applyAt(acme, reported(11).slice(3), minute(30));
  });
  afterAll(async () => t?.dispose());

  async function walk(filter: FindingFilter, page: FindingPageRequest): Promise<FindingRecord[]> {
    const all: FindingRecord[] = [];
    let cursor: string | null = null;
    do {
      const result = await t.model.db.findings.list(filter, { ...page, cursor });
      expect(result.items.length).toBeLessThanOrEqual(page.limit ?? 50);
      all.push(...result.items);
      cursor = result.nextCursor;
    } while (cursor);
    return all;
  }
  const ids = (rows: FindingRecord[]) => rows.map((f) => `${f.connection.name}:${f.subject.id}`);

  it('walks every finding newest first across pages without gaps or repeats', async () => {
    const rows = await walk({}, { limit: 4 });
    expect(rows).toHaveLength(15);
    expect(ids(rows).slice(0, 4)).toEqual(['beta:u02', 'beta:u01', 'beta:u00', 'acme:u11']);
    expect(new Set(rows.map((r) => r.id)).size).toBe(15);
    const keys = rows.map((r) => [r.firstSeenAt.getTime(), r.id] as const);
    for (let i = 1; i < keys.length; i++) {
      const [pt, pid] = keys[i - 1]!;
      const [ct, cid] = keys[i]!;
      expect(pt > ct || (pt === ct && pid > cid)).toBe(true);
    }
  });

  it('sorts ascending', async () => {
    const asc = await walk({ connection: acme }, { limit: 5, order: 'asc' });
    expect(ids(asc)).toEqual(
      Array.from({ length: 12 }, (_, i) => `acme:u${String(i).padStart(2, '0')}`),
    );
  });

  it('filters by connection, tenant, check, status, severity, subject and since', async () => {
    expect(await walk({ connection: beta }, { limit: 2 })).toHaveLength(3);
    expect(await walk({ tenantId: tenant.tenantId }, {})).toHaveLength(15);
    expect(await walk({ tenantId: 'nope' }, {})).toHaveLength(0);
    const resolved = await walk({ connection: acme, status: 'resolved' }, {});
    expect(ids(resolved).sort()).toEqual(['acme:u00', 'acme:u01', 'acme:u02']);
    expect(await walk({ status: ['open', 'accepted'] }, { limit: 3 })).toHaveLength(12);
    const high = await walk(
      { connection: acme, severity: 'high', check: 'critical-system-access-valid' },
      {},
    );
    expect(ids(high)).toEqual(['acme:u11', 'acme:u08', 'acme:u05', 'acme:u02']);
    expect(ids(await walk({ subjectKind: 'user', subjectId: 'u01' }, {}))).toEqual([
      'beta:u01',
      'acme:u01',
    ]);
    expect(ids(await walk({ connection: acme, since: minute(10) }, {}))).toEqual([
      'acme:u11',
      'acme:u10',
    ]);
    expect(await walk({ connection: { namespace: 'no', name: 'such' } }, {})).toHaveLength(0);
  });

  it('answers bad input with a ValidationError naming the field', async () => {
    const list = t.model.db.findings.list.bind(t.model.db.findings);
    await expect(list({}, { cursor: 'not-a-cursor' })).rejects.toThrow(/^cursor: /);
    const page = await list({}, { limit: 1 });
    await expect(list({}, { cursor: page.nextCursor, order: 'asc' })).rejects.toThrow(/^cursor: /);
    await expect(list({}, { sort: 'lastSeenAt' as 'firstSeenAt' })).rejects.toThrow(
      /^sort: lastSeenAt cannot order pages: .* use sort=firstSeenAt/,
    );
    await expect(list({ status: 'bogus' as 'open' }, {})).rejects.toThrow(/^status: /);
    await expect(list({ severity: [] }, {})).rejects.toThrow(/^severity: /);
    await expect(list({}, { limit: 0 })).rejects.toThrow(/^limit: /);
    await expect(list({}, { sort: 'id' as 'firstSeenAt' })).rejects.toThrow(/^sort: /);
    await expect(list({ since: new Date('x') }, {})).rejects.toThrow(/^since: /);
  });
});
