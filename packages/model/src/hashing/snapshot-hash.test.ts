import { describe, expect, it } from 'vitest';
import { normaliseSnapshotUsers } from '../snapshots/snapshot-user.js';
import type { ExpectedLink } from './expected-link.js';
import {
  ChainVerifier,
  chainHash,
  sha256Hex,
  snapshotContentHash,
  snapshotContentText,
  verifyChainRecords,
  type ChainRecord,
  type ChainVerification,
} from './snapshot-hash.js';

function chain(length: number): ChainRecord[] {
  const records: ChainRecord[] = [];
  for (let i = 1; i <= length; i++) {
    const contentText = snapshotContentText(
      normaliseSnapshotUsers([{ userId: `u${i}`, organisationRole: 'STANDARD' }]),
    );
    const link = {
      connection: 'finance/acme',
      tenantId: 't1',
      tenantName: 'Acme',
      sequence: i,
      takenAt: new Date(Date.UTC(2026, 0, i)),
      contentHash: sha256Hex(contentText),
      previousHash: records.at(-1)?.chainHash ?? null,
    };
    records.push({ ...link, id: `s${i}`, contentText, chainHash: chainHash(link) });
  }
  return records;
}

describe('snapshot hashing', () => {
  it('hashes the same users to the same content hash whatever their input order', () => {
    const a = normaliseSnapshotUsers([
      { userId: 'x', organisationRole: 'A' },
      { userId: 'y', organisationRole: 'B' },
    ]);
    const b = normaliseSnapshotUsers([
      { userId: 'y', organisationRole: 'B' },
      { userId: 'x', organisationRole: 'A' },
    ]);
    expect(sha256Hex(snapshotContentText(a))).toBe(sha256Hex(snapshotContentText(b)));
  });

  it('hashes users one at a time to the sha256 of their whole text', () => {
    const users = normaliseSnapshotUsers([
      { userId: 'b', email: 'zoë@例え.jp', firstName: '😀 "quoted" \\ ?', organisationRole: 'A' },
      { userId: 'a', lastName: '\u2028 $1', organisationRole: 'B', isSubscriber: true },
    ]);
    for (const list of [users, users.slice(0, 1), []])
      expect(snapshotContentHash(list)).toBe(sha256Hex(snapshotContentText(list)));
  });

  it('accepts an intact chain and reports its head', () => {
    const records = chain(3);
    expect(verifyChainRecords(records)).toEqual({
      ok: true,
      connection: 'finance/acme',
      tenantId: 't1',
      length: 3,
      headSequence: 3,
      headHash: records[2]!.chainHash,
      problems: [],
    });
  });

  it('detects edited users, an edited link and a removed link', () => {
    const edited = chain(3);
    edited[1] = { ...edited[1]!, contentText: edited[1]!.contentText.replace('STANDARD', 'ADMIN') };
    expect(verifyChainRecords(edited).problems.map((p) => p.problem)).toEqual([
      'content-hash-mismatch',
    ]);

    const relinked = chain(3);
    relinked[1] = { ...relinked[1]!, tenantName: 'Evil' };
    expect(verifyChainRecords(relinked).problems.map((p) => p.problem)).toEqual([
      'chain-hash-mismatch',
    ]);

    const gap = chain(3);
    gap.splice(1, 1);
    expect(verifyChainRecords(gap).problems.map((p) => p.problem)).toEqual([
      'previous-hash-mismatch',
      'sequence-gap',
    ]);
  });
});

describe('expected links', () => {
  const verify = (
    records: ChainRecord[],
    expected: ExpectedLink[],
    checkpoint?: ChainRecord,
  ): ChainVerification => {
    const verifier = new ChainVerifier();
    verifier.expect(expected);
    if (checkpoint) verifier.start(checkpoint);
    for (const record of records) verifier.add(record);
    return verifier.result();
  };
  const full = chain(5);
  const head = { sequence: 5, chainHash: full[4]!.chainHash };

  it('passes a chain that holds the links kept from before', () => {
    expect(verify(full, [head, { sequence: 2, chainHash: full[1]!.chainHash }])).toMatchObject({
      ok: true,
      headSequence: 5,
      headHash: head.chainHash,
      problems: [],
    });
  });

  it('fails a chain whose newest links were deleted, though the rest verifies', () => {
    const truncated = full.slice(0, 3);
    expect(verifyChainRecords(truncated).ok).toBe(true);
    expect(verify(truncated, [head])).toMatchObject({
      ok: false,
      headSequence: 3,
      problems: [
        {
          snapshotId: null,
          sequence: 5,
          problem: 'expected-link-missing',
          detail: 'the chain ends at sequence 3: the snapshots after it were deleted',
        },
      ],
    });
    expect(verify([], [head]).problems.map((p) => p.detail)).toEqual([
      'the chain holds no links: its snapshots were deleted',
    ]);
  });

  it('fails a chain rewritten from before the link kept', () => {
    const rewritten = chain(5);
    rewritten[4] = { ...rewritten[4]!, chainHash: 'f'.repeat(64) };
    expect(verify(rewritten, [head]).problems).toContainEqual({
      snapshotId: 's5',
      sequence: 5,
      problem: 'expected-link-mismatch',
      detail: `chainHash ${'f'.repeat(64)}, expected ${head.chainHash}`,
    });
  });

  it('checks a link at the checkpoint against it, and names one pruned before it', () => {
    const [first, second, ...rest] = full;
    const atCheckpoint = { sequence: 2, chainHash: second!.chainHash };
    expect(verify(rest, [atCheckpoint, head], second).ok).toBe(true);
    expect(
      verify(rest, [{ sequence: 2, chainHash: first!.chainHash }], second).problems,
    ).toMatchObject([{ sequence: 2, problem: 'expected-link-mismatch' }]);
    expect(
      verify(rest, [{ sequence: 1, chainHash: first!.chainHash }], second).problems,
    ).toMatchObject([
      {
        sequence: 1,
        problem: 'expected-link-missing',
        detail: expect.stringContaining(
          'pruned: the chain starts after its checkpoint at sequence 2',
        ),
      },
    ]);
  });
});
