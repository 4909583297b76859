import { parseChainExport, verifyChainExport } from '@xero-access/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION, TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

describe.each(DIALECTS)('the chain export on $dialect', ({ dialect }) => {
  let h: Harness;
  let seeded: Awaited<ReturnType<typeof seedAcme>>;
  beforeAll(async () => {
    h = await startHarness(dialect);
    seeded = await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  it('verifies exactly the records it exports while new snapshots are recorded', async () => {
    const users = await h.model.db.snapshots.users(seeded.second.id);
    const recorded = 40;
    let recording = true;
    const record = async () => {
      for (let i = 0; i < recorded; i++) {
        await h.model.db.snapshots.record(
          CONNECTION,
          TENANT,
          users,
          new Date(Date.UTC(2026, 11, 1, 0, i)),
        );
        // SQLite runs one transaction at a time: leave the reads room between recordings.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      recording = false;
    };
    const exports: { records: { chainHash: string }[]; verification: unknown }[] = [];
    const read = async () => {
      for (let i = 0; i < 500 && (recording || i < 5); i++) {
        const chain = await h.call(
          'GET',
          `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`,
          { token: h.tokens.viewer },
        );
        expect(chain.statusCode).toBe(200);
        exports.push(chain.json());
      }
    };
    await Promise.all([record(), read()]);
    for (const { records, verification } of exports)
      expect(verification).toEqual({
        ok: true,
        length: records.length,
        headHash: records.at(-1)?.chainHash,
        problems: [],
      });
    // The reads did overlap the recording.
    expect(new Set(exports.map((e) => e.records.length)).size).toBeGreaterThan(1);
  });

  it('streams each distinct content once, however many snapshots share it', async () => {
    const response = await h.call(
      'GET',
      `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`,
      { token: h.tokens.viewer },
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    // Sent as it is read: no length known up front.
    expect(response.headers['content-length']).toBeUndefined();
    const chain = response.json();
    // The 40 unchanged syncs above share the second snapshot's content.
    expect(chain.records.length).toBeGreaterThanOrEqual(42);
    const hashes = new Set(chain.records.map((r: { contentHash: string }) => r.contentHash));
    expect(Object.keys(chain.contents).sort()).toEqual([...hashes].sort());
    expect(hashes.size).toBe(2);
    const contents = Object.values(chain.contents as Record<string, string>);
    const contentBytes = contents.reduce((n, text) => n + JSON.stringify(text).length, 0);
    expect(response.body.length).toBeLessThan(contentBytes + chain.records.length * 500);
    expect(verifyChainExport(parseChainExport(response.body))).toEqual(chain.verification);
    expect(chain.verification).toMatchObject({ ok: true, length: chain.records.length });
  });
});
