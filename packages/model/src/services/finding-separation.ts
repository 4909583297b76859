import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Finding } from '../entities/finding.js';
import { Snapshot } from '../entities/snapshot.js';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';
import {
  assertNotOwnXeroAccess,
  requirePersonEmail,
  type Decider,
  type Duty,
} from './separation-of-duties.js';

/** The person accepting a risk, as their credential vouches for them (withdrawing needs no one). */
export type Person = Omit<Decider, 'by'>;

export const ACCEPTING_RISK: Duty = {
  role: 'admin',
  noOneDoes: 'accepts the risk of a finding about',
  mayNotDo: 'accept the risk of a finding about',
  instead: 'another admin must accept it',
};

/**
 * Separation of duties, as in access reviews: no one decides on a finding about their own Xero
 * access. A user finding is theirs when the user's email in the finding's evidence snapshot is
 * theirs, or an account link ties the user to them; a person the credential does not name is
 * refused (fails closed). A connection finding is about no one's own access.
 */
export async function assertNotOwnFinding(
  em: SqlEntityManager,
  finding: Finding,
  decider: Decider,
  duty: Duty,
): Promise<void> {
  if (finding.subjectKind !== 'user') return;
  const email = requirePersonEmail(decider, duty);
  const user = { userId: finding.subjectId, email: await evidenceEmail(em, finding) };
  await assertNotOwnXeroAccess(em, user, { by: decider.by, email }, duty);
}

/** The subject's email as the snapshot that last reported the finding recorded it. */
async function evidenceEmail(em: SqlEntityManager, finding: Finding): Promise<string | null> {
  if (!finding.snapshot) return null;
  const snapshot = await em.findOne(
    Snapshot,
    { id: finding.snapshot.id },
    { populate: ['content'] },
  );
  if (!snapshot) return null;
  const userId = finding.subjectId.toLowerCase();
  const users = JSON.parse(snapshot.content.text) as SnapshotUser[];
  return users.find((u) => u.userId.toLowerCase() === userId)?.email ?? null;
}
