import { createHash } from 'node:crypto';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';
import { canonicalJson } from './canonical-json.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The exact bytes a snapshot's `contentHash` covers: canonical JSON of the users, sorted by userId. */
export function snapshotContentText(users: readonly SnapshotUser[]): string {
  return canonicalJson(users);
}

/** The fields one link of a tenant's hash chain commits to. */
export interface ChainLink {
  connection: string;
  tenantId: string;
  tenantName: string;
  sequence: number;
  takenAt: Date;
  contentHash: string;
  previousHash: string | null;
}

export const CHAIN_VERSION = 1;

/** The exact text a snapshot's `chainHash` covers (see README, "Hash chain"). */
export function chainLinkText(link: ChainLink): string {
  return canonicalJson({
    v: CHAIN_VERSION,
    connection: link.connection,
    tenantId: link.tenantId,
    tenantName: link.tenantName,
    sequence: link.sequence,
    takenAt: link.takenAt.toISOString(),
    contentHash: link.contentHash,
    previousHash: link.previousHash,
  });
}

export function chainHash(link: ChainLink): string {
  return sha256Hex(chainLinkText(link));
}

export interface ChainRecord extends ChainLink {
  id: string;
  chainHash: string;
  /** The canonical users text as stored; its sha256 must equal contentHash. */
  contentText: string;
}

export interface ChainProblem {
  snapshotId: string;
  sequence: number;
  problem:
    'content-hash-mismatch' | 'chain-hash-mismatch' | 'previous-hash-mismatch' | 'sequence-gap';
  detail: string;
}

export interface ChainVerification {
  ok: boolean;
  length: number;
  headHash: string | null;
  problems: ChainProblem[];
}

/**
 * Verifies a tenant's chain incrementally, oldest first: each snapshot's content hashes to its
 * contentHash, its link fields hash to its chainHash, and it points at its predecessor's
 * chainHash with the next sequence number. Keeps only the previous record, so a chain of any
 * length is verified in constant memory.
 */
export class ChainVerifier {
  private readonly problems: ChainProblem[] = [];
  private previous: ChainRecord | undefined;
  private length = 0;

  add(record: ChainRecord): void {
    const at = { snapshotId: record.id, sequence: record.sequence };
    const content = sha256Hex(record.contentText);
    if (content !== record.contentHash) {
      this.problems.push({
        ...at,
        problem: 'content-hash-mismatch',
        detail: `users hash to ${content}, recorded ${record.contentHash}`,
      });
    }
    const computed = chainHash(record);
    if (computed !== record.chainHash) {
      this.problems.push({
        ...at,
        problem: 'chain-hash-mismatch',
        detail: `link hashes to ${computed}, recorded ${record.chainHash}`,
      });
    }
    const expectedPrevious = this.previous ? this.previous.chainHash : null;
    if (record.previousHash !== expectedPrevious) {
      this.problems.push({
        ...at,
        problem: 'previous-hash-mismatch',
        detail: `previousHash ${record.previousHash ?? 'null'}, predecessor's chainHash ${expectedPrevious ?? 'null (first link)'}`,
      });
    }
    const expectedSequence = this.previous ? this.previous.sequence + 1 : 1;
    if (record.sequence !== expectedSequence) {
      this.problems.push({
        ...at,
        problem: 'sequence-gap',
        detail: `sequence ${record.sequence}, expected ${expectedSequence}`,
      });
    }
    this.previous = record;
    this.length++;
  }

  result(): ChainVerification {
    return {
      ok: this.problems.length === 0,
      length: this.length,
      headHash: this.previous?.chainHash ?? null,
      problems: [...this.problems],
    };
  }
}

/** Verifies a whole chain held in memory (e.g. an evidence export); pure, no database needed. */
export function verifyChainRecords(records: readonly ChainRecord[]): ChainVerification {
  const verifier = new ChainVerifier();
  for (const record of records) verifier.add(record);
  return verifier.result();
}
