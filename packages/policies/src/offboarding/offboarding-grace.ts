import type { PolicyInput } from '../generated/policy-input.js';
import { staffResolver } from './staff-resolver.js';

/** settings.offboardingGraceHours when the input has none, as check offboarded-access-removed reads it. */
export const DEFAULT_OFFBOARDING_GRACE_HOURS = 24;

const HOUR_MS = 3_600_000;

export interface OffboardedAccess {
  /** A Xero user (role not REMOVED) tied to an offboarded staff member. */
  userId: string;
  /**
   * offboardedAt + the grace period: offboarded-access-removed reports the user once `now` is
   * past it (strictly). Null when the member has no offboardedAt: reported at once.
   */
  graceEndsAt: Date | null;
}

/**
 * The users check offboarded-access-removed is about, each with the end of its grace period.
 * Timestamps are read to the millisecond, like the reconciler's `now`.
 */
export function offboardedAccess(input: PolicyInput): OffboardedAccess[] {
  const offboarded = input.staff.some((member) => member.status === 'offboarded');
  if (!offboarded) return [];
  const graceMs =
    (input.settings?.offboardingGraceHours ?? DEFAULT_OFFBOARDING_GRACE_HOURS) * HOUR_MS;
  const staffOf = staffResolver(input);
  const access: OffboardedAccess[] = [];
  for (const user of input.users) {
    if (user.organisationRole === 'REMOVED') continue;
    const member = staffOf(user);
    if (member?.status !== 'offboarded') continue;
    if (member.offboardedAt === null) {
      access.push({ userId: user.userId, graceEndsAt: null });
      continue;
    }
    const offboardedAt = Date.parse(member.offboardedAt);
    if (!Number.isNaN(offboardedAt))
      access.push({ userId: user.userId, graceEndsAt: new Date(offboardedAt + graceMs) });
  }
  return access;
}

/**
 * The earliest grace period still running at `input.now` ends then: from just after it,
 * evaluating the same input again reports one more offboarded-access-removed finding. Null when
 * no grace period is running.
 */
export function nextOffboardingGraceEnd(input: PolicyInput): Date | null {
  const now = Date.parse(input.now);
  let next: number | null = null;
  for (const { graceEndsAt } of offboardedAccess(input)) {
    const end = graceEndsAt?.getTime();
    if (end !== undefined && end >= now && (next === null || end < next)) next = end;
  }
  return next === null ? null : new Date(next);
}
