import type { FindingStatus, Severity } from '../entities/finding.js';
import { acceptanceLapsed } from './acceptance.js';
import type { ValidReportedFinding } from './reported-finding.js';

export interface ExistingFinding {
  key: string;
  status: FindingStatus;
  acceptedUntil: Date | null;
  /** What the finding says now: for an accepted one, what was accepted. */
  severity: Severity;
  message: string;
}

export type FindingChange =
  /** Never seen before. */
  | { kind: 'open'; key: string; reported: ValidReportedFinding }
  /** Still reported, state unchanged (open, or accepted and not yet expired). */
  | { kind: 'refresh'; key: string; reported: ValidReportedFinding }
  /** Was resolved, reported again. */
  | { kind: 'reopen'; key: string; reported: ValidReportedFinding }
  /** Accepted, still reported, and the acceptance has expired. */
  | { kind: 'accepted-expired'; key: string; reported: ValidReportedFinding }
  /**
   * Accepted, not expired, but reported with another severity or message than was accepted (the
   * user's role changed, say): the acceptance does not cover what is reported now, and ends.
   */
  | { kind: 'accepted-changed'; key: string; reported: ValidReportedFinding }
  /** Open or accepted, and no longer reported. */
  | { kind: 'resolve'; key: string };

/**
 * Decides what one evaluation does to the findings of its scope (one connection + tenant):
 * reported findings are opened, refreshed, reopened or lose an acceptance that expired or no
 * longer covers them (another severity or message than was accepted); open or
 * accepted findings that are not reported any more are resolved, unless `resolveUnreported` is
 * false (an evaluation that cannot tell the access went: see ApplyOptions). Resolved ones stay
 * resolved.
 */
export function planFindingChanges(
  existing: readonly ExistingFinding[],
  reported: ReadonlyMap<string, ValidReportedFinding>,
  now: Date,
  resolveUnreported = true,
): FindingChange[] {
  const changes: FindingChange[] = [];
  const known = new Map(existing.map((f) => [f.key, f]));
  for (const [key, r] of reported) {
    const current = known.get(key);
    if (!current) changes.push({ kind: 'open', key, reported: r });
    else if (current.status === 'resolved') changes.push({ kind: 'reopen', key, reported: r });
    else if (current.status === 'accepted' && acceptanceLapsed(current.acceptedUntil, now))
      changes.push({ kind: 'accepted-expired', key, reported: r });
    // What was accepted is what the finding says; a changed remediation text alone is no other
    // finding.
    else if (
      current.status === 'accepted' &&
      (current.severity !== r.severity || current.message !== r.message)
    )
      changes.push({ kind: 'accepted-changed', key, reported: r });
    else changes.push({ kind: 'refresh', key, reported: r });
  }
  if (!resolveUnreported) return changes;
  for (const f of existing) {
    if (f.status !== 'resolved' && !reported.has(f.key))
      changes.push({ kind: 'resolve', key: f.key });
  }
  return changes;
}
