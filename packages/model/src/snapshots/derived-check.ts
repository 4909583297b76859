import { canonicalJson } from '../hashing/canonical-json.js';
import { sha256Hex, type ChainEntry, type ChainProblem } from '../hashing/snapshot-hash.js';
import { deriveSnapshot, type PreviousContent } from './derived.js';
import type { SnapshotDiff } from './diff.js';
import type { SnapshotUser } from './snapshot-user.js';

/** What a snapshot row stores beside its link: `activeUserCount` null on rows not yet counted. */
export interface StoredDerived {
  userCount: number;
  activeUserCount: number | null;
  diff: SnapshotDiff;
}

/** A chain entry as read from the database, with what it stores beside its link. */
export interface StoredChainEntry extends ChainEntry {
  stored: StoredDerived;
}

/** A content's stored text, or null when its row is gone. */
export type ContentText = (contentHash: string) => Promise<string | null>;

interface Seen {
  sequence: number;
  contentHash: string;
  users: SnapshotUser[] | null;
}

const described = (diff: SnapshotDiff) =>
  `${diff.joiners.length} joiners, ${diff.leavers.length} leavers, ${diff.roleChanges.length} role changes`;

/**
 * Derives each snapshot's diff and counts again (`deriveSnapshot`, as `snapshots.record` did) from
 * its users and its predecessor's, oldest first, and reports what differs from the row: the hashes
 * cover the users and the links, not these. Holds two contents' users at most: a content is read
 * when an entry's differs from the one before it. Only users whose content verifies are compared,
 * and a diff only when its predecessor's are there too: not after a checkpoint (pruned), a
 * sequence gap, or a content missing or edited (all reported by the chain verifier).
 */
export class DerivedCheck {
  private previous: Seen | undefined;

  constructor(private readonly textOf: ContentText) {}

  /** The users of a content that verifies: one missing or edited is the chain verifier's to report. */
  private async usersOf(contentHash: string): Promise<SnapshotUser[] | null> {
    const text = await this.textOf(contentHash);
    if (text === null || sha256Hex(text) !== contentHash) return null;
    return JSON.parse(text) as SnapshotUser[];
  }

  async check(entry: StoredChainEntry): Promise<ChainProblem[]> {
    const before = this.previous;
    const users =
      before?.contentHash === entry.contentHash
        ? before.users
        : await this.usersOf(entry.contentHash);
    this.previous = { sequence: entry.sequence, contentHash: entry.contentHash, users };
    if (!users) return [];
    const at = { snapshotId: entry.id, sequence: entry.sequence };
    const problems: ChainProblem[] = [];
    const predecessor = predecessorContent(entry, before);
    const derived = await deriveSnapshot(users, entry.contentHash, predecessor ?? null);
    const { stored } = entry;
    if (
      stored.userCount !== derived.userCount ||
      (stored.activeUserCount !== null && stored.activeUserCount !== derived.activeUserCount)
    )
      problems.push({
        ...at,
        problem: 'user-count-mismatch',
        detail: `stored userCount ${stored.userCount}, activeUserCount ${stored.activeUserCount ?? 'null'}; its users count ${derived.userCount} and ${derived.activeUserCount}`,
      });
    if (predecessor !== undefined && canonicalJson(stored.diff) !== canonicalJson(derived.diff))
      problems.push({
        ...at,
        problem: 'diff-mismatch',
        detail: `stored diff (${described(stored.diff)}) is not the one its users and its predecessor's give (${described(derived.diff)})`,
      });
    return problems;
  }
}

/**
 * The content the entry's diff was taken against: null for a first snapshot, undefined when it
 * cannot be known (its predecessor not read before it, or its users missing).
 */
function predecessorContent(
  entry: StoredChainEntry,
  before: Seen | undefined,
): PreviousContent | null | undefined {
  if (entry.sequence === 1) return null;
  if (!before?.users || before.sequence !== entry.sequence - 1) return undefined;
  const users = before.users;
  return { contentHash: before.contentHash, users: async () => users };
}
