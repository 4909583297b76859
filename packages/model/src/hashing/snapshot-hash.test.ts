import { describe, expect, it } from 'vitest';
import { normaliseSnapshotUsers } from '../snapshots/snapshot-user.js';
import {
  chainHash,
  sha256Hex,
  snapshotContentHash,
  snapshotContentText,
  verifyChainRecords,
  type ChainRecord,
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
