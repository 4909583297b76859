import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  ChainVerifier,
  chainHash,
  sha256Hex,
  snapshotContentText,
  type ChainCheckpoint,
  type ChainEntry,
  type ChainIdentity,
  type ChainRecord,
  type ChainVerification,
} from '../hashing/snapshot-hash.js';
import {
  chainExportText,
  parseChainExport,
  verifyChainExport,
  verifyChainExportFile,
  type ChainPart,
} from './chain-export.js';
import { normaliseSnapshotUsers } from './snapshot-user.js';

const text = (role: string) =>
  snapshotContentText(normaliseSnapshotUsers([{ userId: 'u1', organisationRole: role }]));

const acme = { connection: 'finance/acme', tenantId: 't1' };

/** Snapshots 1 and 2 share one content, 3 has another; of `of`, finance/acme t1 by default. */
function chain(of: ChainIdentity = acme): ChainRecord[] {
  const records: ChainRecord[] = [];
  for (const [i, role] of [
    [1, 'ADMIN'],
    [2, 'ADMIN'],
    [3, 'STANDARD'],
  ] as const) {
    const contentText = text(role);
    const link = {
      ...of,
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

async function exportOf(
  records: ChainRecord[],
  checkpoint?: ChainCheckpoint,
  of: ChainIdentity = acme,
): Promise<string> {
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
  for await (const piece of chainExportText({ ...of, checkpoint }, parts(), new ChainVerifier()))
    out += piece;
  return out;
}

const json = (records: ChainRecord[]) =>
  records.map((r) => ({ ...r, takenAt: r.takenAt.toISOString() }));
const verify = (file: string) => verifyChainExport(parseChainExport(file));
const problems = async (file: string) =>
  (await verify(file)).problems.map((p) => [p.sequence, p.problem]);
/** The kinds of the parts an export is read as. */
async function partKinds(file: string): Promise<string[]> {
  const kinds: string[] = [];
  for await (const part of parseChainExport(file)) kinds.push(part.kind);
  return kinds;
}

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
    expect(await verify(JSON.stringify(file))).toEqual(file.verification);
  });

  it('starts a pruned chain from its checkpoint, shown in the export and its verification', async () => {
    const [first, ...rest] = chain();
    const checkpoint = { sequence: 1, chainHash: first!.chainHash, takenAt: first!.takenAt };
    const shown = { ...checkpoint, takenAt: first!.takenAt.toISOString() };
    const file = await exportOf(rest, checkpoint);
    expect(JSON.parse(file)).toMatchObject({
      checkpoint: shown,
      verification: { ok: true, length: 2, checkpoint: shown },
    });
    expect(await verify(file)).toEqual({
      ok: true,
      ...acme,
      length: 2,
      headSequence: 3,
      headHash: rest[1]!.chainHash,
      problems: [],
      checkpoint: shown,
    });
    // Without the checkpoint, or with another hash, the first link follows nothing it names.
    expect(await problems(await exportOf(rest))).toEqual([
      [2, 'previous-hash-mismatch'],
      [2, 'sequence-gap'],
    ]);
    expect(
      await problems(await exportOf(rest, { ...checkpoint, chainHash: rest[0]!.chainHash })),
    ).toEqual([[2, 'previous-hash-mismatch']]);
    const late = JSON.parse(file) as Record<string, unknown>;
    const { checkpoint: moved, ...others } = late;
    await expect(verify(JSON.stringify({ ...others, checkpoint: moved }))).rejects.toThrow(
      'checkpoint: comes after records',
    );
  });

  it('still reads and verifies every version 1 export that was handed out', async () => {
    const records = chain();
    const expected = {
      ok: true,
      ...acme,
      length: 3,
      headSequence: 3,
      headHash: records[2]!.chainHash,
      problems: [],
    };
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
      // Read as records carrying their own text (and the chain, when the file names it).
      expect(new Set(await partKinds(JSON.stringify(file)))).toEqual(
        new Set(file === api ? ['chain', 'records'] : ['records']),
      );
      expect(await verify(JSON.stringify(file))).toEqual(expected);
    }
    const tampered = json(records);
    tampered[1]!.contentText = text('STANDARD');
    expect(await problems(JSON.stringify({ chain: tampered }))).toEqual([
      [2, 'content-hash-mismatch'],
    ]);
  });

  it('catches edited, missing and mislinked content in a version 2 export', async () => {
    const records = chain();
    const [shared, other] = [records[0]!.contentHash, records[2]!.contentHash];
    const edited = JSON.parse(await exportOf(records));
    edited.contents[shared] = text('STANDARD');
    // A shared content edited breaks every snapshot that refers to it.
    expect(await problems(JSON.stringify(edited))).toEqual([
      [1, 'content-hash-mismatch'],
      [2, 'content-hash-mismatch'],
    ]);

    const missing = JSON.parse(await exportOf(records));
    delete missing.contents[other];
    expect(await problems(JSON.stringify(missing))).toEqual([[3, 'content-missing']]);

    const repointed = JSON.parse(await exportOf(records));
    repointed.records[1].contentHash = other;
    expect(await problems(JSON.stringify(repointed))).toEqual([[2, 'chain-hash-mismatch']]);

    const dropped = JSON.parse(await exportOf(records));
    dropped.records.splice(1, 1);
    expect(await problems(JSON.stringify(dropped))).toEqual([
      [3, 'previous-hash-mismatch'],
      [3, 'sequence-gap'],
    ]);
  });

  it('checks every record against the chain the file names, and names the chain verified', async () => {
    const clean = { connection: 'sandbox/clean-org', tenantId: 'tenant-B' };
    // A clean organisation's export relabelled as the audited one: its own links all hold.
    const own = await exportOf(chain(clean).slice(0, 2), undefined, clean);
    expect(await verify(own)).toMatchObject({ ok: true, ...clean, length: 2 });
    const relabelled = JSON.parse(own);
    relabelled.connection = 'finance/acme';
    relabelled.tenantId = 'tenant-A';
    const result = await verify(JSON.stringify(relabelled));
    expect(result).toMatchObject({ ok: false, connection: 'finance/acme', tenantId: 'tenant-A' });
    expect(result.problems).toEqual(
      [1, 2].map((sequence) => ({
        snapshotId: `s${sequence}`,
        sequence,
        problem: 'chain-identity-mismatch',
        detail:
          'of sandbox/clean-org tenant tenant-B, not of the chain named, finance/acme tenant tenant-A',
      })),
    );
    // Named after the records (jq -S): the first record is reported for those read before.
    const { connection: _, tenantId: __, ...rest } = relabelled;
    const late = `${JSON.stringify(rest).slice(0, -1)},"tenantId":"tenant-A","connection":"finance/acme"}`;
    expect(await verify(late)).toMatchObject({
      ok: false,
      connection: 'finance/acme',
      tenantId: 'tenant-A',
      problems: [
        {
          sequence: 1,
          problem: 'chain-identity-mismatch',
          detail:
            'of sandbox/clean-org tenant tenant-B, not of the chain named, finance/acme tenant tenant-A (nor is the link after it, read before the name)',
        },
      ],
    });
    // Unnamed (version 1): every record must be of its first record's chain.
    const mixed = [...json(chain()).slice(0, 2), json(chain(clean))[2]!];
    expect(await verify(JSON.stringify({ chain: mixed }))).toMatchObject({
      ok: false,
      ...acme,
      problems: expect.arrayContaining([
        expect.objectContaining({
          sequence: 3,
          problem: 'chain-identity-mismatch',
          detail:
            'of sandbox/clean-org tenant tenant-B, not of the chain of its first link, finance/acme tenant t1',
        }),
      ]),
    });
    // The writer checks what it writes the same way.
    expect(JSON.parse(await exportOf(chain(clean), undefined, acme)).verification).toMatchObject({
      ok: false,
      ...acme,
      problems: [1, 2, 3].map((sequence) => ({ sequence, problem: 'chain-identity-mismatch' })),
    });
  });

  it('names what is wrong in a malformed export', async () => {
    const records = chain();
    const v2 = JSON.parse(await exportOf(records));
    const parse = (value: unknown) =>
      verify(typeof value === 'string' ? value : JSON.stringify(value));
    await expect(parse('{"kind" 1}')).rejects.toThrow(/^file: is not JSON/);
    await expect(parse(' \n')).rejects.toThrow(/^file: is empty/);
    await expect(parse(42)).rejects.toThrow(/^file: is not a snapshot chain export/);
    await expect(parse({ other: [] })).rejects.toThrow(/^kind: must be xero-access-snapshot-chain/);
    await expect(parse({ ...v2, version: 3 })).rejects.toThrow(
      /^version: is 3: this verifier reads versions 1 and 2/,
    );
    await expect(parse({ chain: [{ ...json(records)[0], chainHash: 'nope' }] })).rejects.toThrow(
      /^chain\.0\.chainHash: must be a sha256/,
    );
    await expect(
      parse({ ...v2, records: [v2.records[0], { ...v2.records[1], chainHash: 'nope' }] }),
    ).rejects.toThrow(/^records\.1\.chainHash: must be a sha256/);
    // A version 2 record carrying its own text would read as if that text were checked.
    await expect(
      parse({ ...v2, records: [{ ...v2.records[0], contentText: 'x' }] }),
    ).rejects.toThrow(/^records\.0: .*contentText/);
    await expect(parse({ ...v2, contents: { nope: 'x' } })).rejects.toThrow(/^contents/);
    // A version 2 export names its chain, whole.
    const { connection: _, tenantId: __, ...unnamed } = v2;
    await expect(parse(unnamed)).rejects.toThrow(/^connection: is missing/);
    await expect(parse({ ...unnamed, tenantId: 't1' })).rejects.toThrow(/^connection: is missing/);
    await expect(parse({ ...unnamed, connection: 'finance/acme' })).rejects.toThrow(
      /^tenantId: is missing/,
    );
    await expect(parse({ ...v2, tenantId: '' })).rejects.toThrow(/^tenantId: /);
    // Read in one pass, each content must come before the records that refer to it.
    const { contents, records: entries, ...head } = v2;
    await expect(parse({ ...head, records: entries, contents })).rejects.toThrow(
      /^contents\.[0-9a-f]{64}: comes after records/,
    );
  });

  it('reads an export with its keys sorted (jq -S: version last) as written', async () => {
    const records = chain();
    const v2 = JSON.parse(await exportOf(records));
    const sorted = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sorted)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
            )
          : value;
    const text = JSON.stringify(sorted(v2), null, 2);
    expect(text.indexOf('"version"')).toBeGreaterThan(text.indexOf('"records"'));
    expect(await verify(text)).toEqual(v2.verification);
    const v1 = { kind: v2.kind, records: json(records), version: 1 };
    expect(await verify(JSON.stringify(v1))).toEqual(v2.verification);
    // A version 2 record then a version that says otherwise.
    await expect(verify(JSON.stringify({ ...v1, version: 2, contents: {} }))).rejects.toThrow(
      /^records\.0: carries contentText/,
    );
  });

  it('verifies nothing short of the whole body: every cut is refused, naming the missing end', async () => {
    const body = await exportOf(chain());
    const end = body.trimEnd().length;
    for (let cut = 1; cut < end; cut++)
      await expect(verify(body.slice(0, cut)), `cut at ${cut}`).rejects.toThrow(
        /^file: ends mid-export, after \d+ records(, before its closing "verification")?: an interrupted download/,
      );
    await expect(verify(body.slice(0, end))).resolves.toMatchObject({ ok: true, length: 3 });
    // Cut inside the trailer, the reader had read every record: still refused.
    await expect(verify(body.slice(0, body.indexOf('"verification"')))).rejects.toThrow(
      /^file: ends mid-export, after 3 records, before its closing "verification"/,
    );
    // Brackets closed by hand over a cut body: version 2 ends with its verification.
    const closed = `${body.slice(0, body.indexOf(',\n"verification"'))}}`;
    await expect(verify(closed)).rejects.toThrow(/^verification: is missing/);
  });

  it('reads chunks as they come, split anywhere, even inside a UTF-8 character', async () => {
    const records = chain();
    const renamed = records.map((r) => ({ ...r, tenantName: 'Ącme – 株式会社 😀' }));
    // Relinked under the new name, so the chain verifies.
    for (const [i, r] of renamed.entries()) {
      r.previousHash = renamed[i - 1]?.chainHash ?? null;
      r.chainHash = chainHash(r);
    }
    const bytes = Buffer.from(await exportOf(renamed));
    const expected = await verify(bytes.toString());
    expect(expected).toMatchObject({ ok: true, length: 3 });
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks = function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      };
      expect(await verifyChainExport(parseChainExport(chunks()))).toEqual(expected);
    }
  });

  it('verifies an export saved with a UTF-8 byte order mark (Windows editors add one) as without', async () => {
    const body = await exportOf(chain());
    const expected = await verify(body);
    expect(expected).toMatchObject({ ok: true, length: 3 });
    // Read as text, the mark is U+FEFF; read from the file, the bytes EF BB BF, in any chunks.
    expect(await verify(`\uFEFF${body}`)).toEqual(expected);
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
    for (const size of [1, 2, 4, 64]) {
      const chunks = function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      };
      expect(await verifyChainExport(parseChainExport(chunks()))).toEqual(expected);
    }
    const dir = mkdtempSync(join(tmpdir(), 'xao-chain-bom-'));
    try {
      const path = join(dir, 'chain.json');
      writeFileSync(path, bytes);
      expect(await verifyChainExportFile(path)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The mark alone is an empty file.
    await expect(verify('\uFEFF')).rejects.toThrow(/^file: is empty/);
  });
});

/** `count` hourly snapshots sharing one content, written to `path` by the export's own writer. */
async function writeLongChain(path: string, count: number): Promise<ChainVerification> {
  const contentText = text('STANDARD');
  const contentHash = sha256Hex(contentText);
  async function* parts(): AsyncGenerator<ChainPart> {
    yield { kind: 'content', hash: contentHash, text: contentText };
    let previousHash: string | null = null;
    for (let first = 1; first <= count; first += 1_000) {
      const entries: ChainEntry[] = [];
      for (let sequence = first; sequence < first + 1_000 && sequence <= count; sequence++) {
        const link = {
          connection: 'finance/acme',
          tenantId: 't1',
          tenantName: 'Acme',
          sequence,
          takenAt: new Date(Date.UTC(2026, 0, 1) + sequence * 3_600_000),
          contentHash,
          previousHash,
        };
        previousHash = chainHash(link);
        entries.push({ ...link, id: `s${sequence}`, chainHash: previousHash });
      }
      yield { kind: 'entries', entries };
    }
  }
  const verifier = new ChainVerifier();
  const pieces = chainExportText({ connection: 'finance/acme', tenantId: 't1' }, parts(), verifier);
  await pipeline(Readable.from(pieces), createWriteStream(path));
  return verifier.result();
}

/** V8's collector, to measure what is live rather than garbage not yet collected. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('verifying an export file', () => {
  it('streams tens of MB in memory far below the file, reporting the records verified so far', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xao-chain-export-'));
    try {
      const path = join(dir, 'chain.json');
      const count = 60_000;
      const written = await writeLongChain(path, count);
      expect(written).toMatchObject({ ok: true, length: count });
      const size = statSync(path).size;
      expect(size).toBeGreaterThan(20 * 2 ** 20);

      const gc = collectGarbage();
      gc();
      const before = process.memoryUsage().heapUsed;
      let peak = 0;
      const counts: number[] = [];
      const result = await verifyChainExportFile(
        path,
        (line) => {
          const [, file, records] = /^(.*): (\d+) records verified so far$/.exec(line) ?? [];
          expect(file).toBe(path);
          counts.push(Number(records));
          // A collection at every report would take longer than the verification.
          if (counts.length % 40 !== 0) return;
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - before);
        },
        0,
      );
      expect(result).toEqual(written);
      expect(counts.length).toBeGreaterThanOrEqual(200);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(counts.at(-1)).toBe(count);
      // The whole text alone, read at once, would be the size of the file.
      expect(peak).toBeLessThan(size / 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
