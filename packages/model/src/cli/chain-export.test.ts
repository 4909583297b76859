import { describe, expect, it } from 'vitest';
import {
  chainHash,
  sha256Hex,
  snapshotContentText,
  verifyChainRecords,
  type ChainRecord,
} from '../hashing/snapshot-hash.js';
import { normaliseSnapshotUsers } from '../snapshots/snapshot-user.js';
import { formatChainExport, parseChainExport } from './chain-export.js';

function record(): ChainRecord {
  const contentText = snapshotContentText(
    normaliseSnapshotUsers([{ userId: 'u1', organisationRole: 'ADMIN' }]),
  );
  const link = {
    connection: 'finance/acme',
    tenantId: 't1',
    tenantName: 'Acme',
    sequence: 1,
    takenAt: new Date('2026-11-01T00:00:00.123Z'),
    contentHash: sha256Hex(contentText),
    previousHash: null,
  };
  return { ...link, id: 's1', contentText, chainHash: chainHash(link) };
}

describe('chain export', () => {
  it('round-trips through JSON and still verifies', () => {
    const parsed = parseChainExport(formatChainExport([record()]));
    expect(parsed).toEqual([record()]);
    expect(verifyChainRecords(parsed).ok).toBe(true);
  });

  it('names what is wrong in a malformed export', () => {
    expect(() => parseChainExport('{')).toThrow(/^file: is not JSON/);
    expect(() =>
      parseChainExport(JSON.stringify({ chain: [{ ...record(), chainHash: 'nope' }] })),
    ).toThrow(/^chain\.0\.chainHash: /);
    expect(() => parseChainExport(JSON.stringify({ other: [] }))).toThrow(/^chain\.: /);
  });
});
