import { describe, expect, it } from 'vitest';
import {
  ChainVerifier,
  chainHash,
  sha256Hex,
  snapshotContentText,
  type ChainRecord,
} from '../hashing/snapshot-hash.js';
import {
  chainExportText,
  parseChainExport,
  verifyChainExport,
  type ChainPart,
} from './chain-export.js';
import { normaliseSnapshotUsers } from './snapshot-user.js';

const text = (role: string) =>
  snapshotContentText(normaliseSnapshotUsers([{ userId: 'u1', organisationRole: role }]));

/** Snapshots 1 and 2 share one content, 3 has another. */
function chain(): ChainRecord[] {
  const records: ChainRecord[] = [];
  for (const [i, role] of [
    [1, 'ADMIN'],
    [2, 'ADMIN'],
    [3, 'STANDARD'],
  ] as const) {
    const contentText = text(role);
    const link = {
      connection: 'finance/acme',
      tenantId: 't1',
      tenantName: 'Acme',
      sequence: i,
      takenAt: new Date(Date.UTC(2026, 10, i, 0, 0, 0, 123)),
      contentHash: sha256Hex(contentText),
      previousHash: records.at(-1)?.chainHash ?? null,
    };
    records.push({ ...link, id: `s${i}`, contentText, chainHash: chainHash(link) });
  }
  return records;
}

async function exportOf(records: ChainRecord[]): Promise<string> {
  async function* parts(): AsyncGenerator<ChainPart> {
    const seen = new Set<string>();
    for (const r of records)
      if (!seen.has(r.contentHash)) {
        seen.add(r.contentHash);
        yield { kind: 'content', hash: r.contentHash, text: r.contentText };
      }
    yield { kind: 'entries', entries: records.map(({ contentText: _, ...entry }) => entry) };
  }
  let out = '';
  for await (const piece of chainExportText(
    { connection: 'finance/acme', tenantId: 't1' },
    parts(),
    new ChainVerifier(),
  ))
    out += piece;
  return out;
}

const json = (records: ChainRecord[]) =>
  records.map((r) => ({ ...r, takenAt: r.takenAt.toISOString() }));
const problems = (file: string) =>
  verifyChainExport(parseChainExport(file)).problems.map((p) => [p.sequence, p.problem]);

describe('chain export', () => {
  it('writes each distinct content once (version 2) and verifies what it wrote', async () => {
    const records = chain();
    const file = JSON.parse(await exportOf(records));
    expect(file).toMatchObject({
      kind: 'xero-access-snapshot-chain',
      version: 2,
      connection: 'finance/acme',
      tenantId: 't1',
      verification: { ok: true, length: 3, headHash: records[2]!.chainHash, problems: [] },
    });
    expect(file.contents).toEqual({
      [records[0]!.contentHash]: text('ADMIN'),
      [records[2]!.contentHash]: text('STANDARD'),
    });
    expect(file.records).toEqual(json(records).map(({ contentText: _, ...entry }) => entry));
    const parsed = parseChainExport(JSON.stringify(file));
    expect(verifyChainExport(parsed)).toEqual(file.verification);
  });

  it('still reads and verifies every version 1 export that was handed out', () => {
    const records = chain();
    const expected = { ok: true, length: 3, headHash: records[2]!.chainHash, problems: [] };
    const api = {
      kind: 'xero-access-snapshot-chain',
      version: 1,
      connection: 'finance/acme',
      tenantId: 't1',
      records: json(records),
      verification: expected,
    };
    const unversioned = { kind: api.kind, records: api.records };
    for (const file of [api, unversioned, { chain: json(records) }, json(records)]) {
      const parsed = parseChainExport(JSON.stringify(file));
      expect(parsed.version).toBe(1);
      expect(verifyChainExport(parsed)).toEqual(expected);
    }
    const tampered = json(records);
    tampered[1]!.contentText = text('STANDARD');
    expect(problems(JSON.stringify({ chain: tampered }))).toEqual([[2, 'content-hash-mismatch']]);
  });

  it('catches edited, missing and mislinked content in a version 2 export', async () => {
    const records = chain();
    const [shared, other] = [records[0]!.contentHash, records[2]!.contentHash];
    const edited = JSON.parse(await exportOf(records));
    edited.contents[shared] = text('STANDARD');
    // A shared content edited breaks every snapshot that refers to it.
    expect(problems(JSON.stringify(edited))).toEqual([
      [1, 'content-hash-mismatch'],
      [2, 'content-hash-mismatch'],
    ]);

    const missing = JSON.parse(await exportOf(records));
    delete missing.contents[other];
    expect(problems(JSON.stringify(missing))).toEqual([[3, 'content-missing']]);

    const repointed = JSON.parse(await exportOf(records));
    repointed.records[1].contentHash = other;
    expect(problems(JSON.stringify(repointed))).toEqual([[2, 'chain-hash-mismatch']]);

    const dropped = JSON.parse(await exportOf(records));
    dropped.records.splice(1, 1);
    expect(problems(JSON.stringify(dropped))).toEqual([
      [3, 'previous-hash-mismatch'],
      [3, 'sequence-gap'],
    ]);
  });

  it('names what is wrong in a malformed export', async () => {
    const records = chain();
    const v2 = JSON.parse(await exportOf(records));
    const parse = (value: unknown) => () => parseChainExport(JSON.stringify(value));
    expect(() => parseChainExport('{')).toThrow(/^file: is not JSON/);
    expect(parse(42)).toThrow(/^file: is not a snapshot chain export/);
    expect(parse({ other: [] })).toThrow(/^kind: must be xero-access-snapshot-chain/);
    expect(parse({ ...v2, version: 3 })).toThrow(
      /^version: is 3: this verifier reads versions 1 and 2/,
    );
    expect(parse({ chain: [{ ...json(records)[0], chainHash: 'nope' }] })).toThrow(
      /^chain\.0\.chainHash: must be a sha256/,
    );
    expect(parse({ ...v2, records: [{ ...v2.records[0], chainHash: 'nope' }] })).toThrow(
      /^records\.0\.chainHash: must be a sha256/,
    );
    // A version 2 record carrying its own text would read as if that text were checked.
    expect(parse({ ...v2, records: [{ ...v2.records[0], contentText: 'x' }] })).toThrow(
      /^records\.0: .*contentText/,
    );
    expect(parse({ ...v2, contents: { nope: 'x' } })).toThrow(/^contents/);
  });
});
