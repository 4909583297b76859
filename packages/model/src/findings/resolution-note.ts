import { ValidationError } from '../errors.js';
import { REMOVED_ROLE } from '../snapshots/access.js';

/**
 * What evaluated: the policy bundle and the settings the reconciler gave it. A finding resolved
 * while its subject kept its access names it, so an auditor can tie the resolution to a change.
 */
export interface EvaluatedBy {
  /** The bundle in use: its manifest revision (null: none, a bare policy.wasm) and the file's sha256. */
  policy: { revision: string | null; sha256: string };
  /** The XeroConnection's metadata.generation (its spec: roleMappings, criticalSystem…). */
  generation: number | null;
  /** OFFBOARDING_GRACE_HOURS, a setting of the reconciler rather than of the connection. */
  offboardingGraceHours: number | null;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** A custom bundle's revision can be any text: the note shows this much of it. */
const REVISION_SHOWN = 64;

/** Refuses an EvaluatedBy the note could not name faithfully, naming the field. */
export function assertEvaluatedBy(e: EvaluatedBy): void {
  if (!SHA256.test(e.policy.sha256))
    throw new ValidationError('evaluatedBy.policy.sha256', 'must be 64 lower-case hex digits');
  if (e.generation !== null && !(Number.isSafeInteger(e.generation) && e.generation >= 0))
    throw new ValidationError('evaluatedBy.generation', 'must be a whole number, 0 or more');
  const grace = e.offboardingGraceHours;
  if (grace !== null && !(Number.isFinite(grace) && grace >= 0))
    throw new ValidationError('evaluatedBy.offboardingGraceHours', 'must be a number, 0 or more');
}

/** The resolved finding's subject in the snapshot that resolved it, and in its evidence snapshot. */
export interface ResolvedSubject {
  kind: string;
  /** Its role in the snapshot that last reported it; null when not a user or not on record. */
  roleBefore: string | null;
  /** Its role in the resolving snapshot; null when not listed there (or not a user). */
  roleNow: string | null;
}

/**
 * Why an evaluation resolved a finding, for its `resolved` event: the access was removed or
 * changed (remediation), or the subject holds the access it had and the check stopped reporting
 * it, which only a change of policy, settings, staff directory or account links does. A `user`
 * subject listed in neither snapshot is not a Xero user on record (a custom check's subject id
 * need not be a UserID): its resolution is never called remediation.
 */
export function resolutionNote(
  subject: ResolvedSubject,
  sequence: number,
  evaluatedBy: EvaluatedBy | undefined,
): string {
  const where = `snapshot ${sequence}`;
  if (subject.kind === 'user') {
    const { roleBefore, roleNow } = subject;
    if (roleNow === null && roleBefore === null)
      // A custom check can name a user by anything (a staff id, an email): listed in neither
      // snapshot, nothing shows access was held, so nothing shows it was removed.
      return (
        `no longer reported in ${where}${under(evaluatedBy)}: the subject is not a Xero user on ` +
        `record (listed neither in ${where} nor in the snapshot that last reported it), not remediation`
      );
    if (roleNow === null) return `remediated: the user is no longer listed in ${where}`;
    if (roleNow === REMOVED_ROLE) return `remediated: the user's access was removed in ${where}`;
    if (roleBefore !== null && roleBefore !== roleNow)
      return `remediated: the user's role changed from ${roleBefore} to ${roleNow} in ${where}`;
    const holds = roleBefore === null ? 'holds' : 'still holds';
    return (
      `access unchanged: the user ${holds} ${roleNow} in ${where}; the check no longer reports it` +
      `${under(evaluatedBy)}: a change of policy, settings, staff or account links, not remediation`
    );
  }
  return `no longer reported in ${where}${under(evaluatedBy)}: a change of policy or settings`;
}

function under(e: EvaluatedBy | undefined): string {
  if (!e) return '';
  const { revision, sha256 } = e.policy;
  const shown =
    revision === null
      ? '(no revision)'
      : revision.length > REVISION_SHOWN
        ? `${revision.slice(0, REVISION_SHOWN)}…`
        : revision;
  const bundle = `policy bundle ${shown} (sha256 ${sha256.slice(0, 12)})`;
  const parts = [bundle];
  if (e.generation !== null) parts.push(`connection generation ${e.generation}`);
  if (e.offboardingGraceHours !== null) parts.push(`offboarding grace ${e.offboardingGraceHours}h`);
  return ` under ${parts.join(', ')}`;
}
