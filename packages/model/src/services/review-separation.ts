import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccountLink } from '../entities/account-link.js';
import type { ReviewDecision } from '../entities/review-decision.js';
import { ForbiddenError } from '../errors.js';

/** Who decides: separation of duties needs the person behind the credential. */
export interface Reviewer {
  by: string;
  /** The person's email, as whoever authenticated them vouches for it; null when none is known. */
  email: string | null;
  /** When `email` is null: why the credential names no person, and what would make it name one. */
  noEmailReason?: string;
}

/**
 * Separation of duties fails closed: a reviewer who cannot be tied to a person (a shared token, an
 * identity without a verified email) could be deciding on their own access, so they may not decide.
 * Answers the email, trimmed and lowercased.
 */
export function requireReviewerEmail(reviewer: Reviewer): string {
  const email = reviewer.email?.trim().toLowerCase() ?? '';
  if (email !== '') return email;
  throw new ForbiddenError(
    `separation of duties needs the reviewer's verified email, so that no one decides on their own ` +
      `Xero access; ${reviewer.by} has none: ` +
      (reviewer.noEmailReason ??
        "it names no person; decide with a credential that carries the person's email"),
  );
}

/**
 * Separation of duties: a reviewer may not decide on their own Xero access. The user under review
 * is the reviewer's own when its email (as the reviewed snapshot recorded it) is the reviewer's,
 * or when an account link ties it to the staff member with the reviewer's email. Emails compare
 * case-insensitively, as the staff directory and check `user-identified` compare them.
 */
export async function assertNotOwnAccess(
  em: SqlEntityManager,
  item: ReviewDecision,
  reviewer: { by: string; email: string },
): Promise<void> {
  const email = reviewer.email; // as requireReviewerEmail answers it: trimmed, lowercase
  const refuse = (how: string) =>
    new ForbiddenError(
      `separation of duties: ${reviewer.by} may not decide on their own Xero access ` +
        `(user ${item.userId} ${how}); another reviewer must decide`,
    );
  if (item.email !== null && item.email.trim().toLowerCase() === email)
    throw refuse(`has the email ${email}`);
  const link = await em.findOne(
    AccountLink,
    { userId: item.userId.toLowerCase() },
    { populate: ['staff'] },
  );
  if (link?.staff && link.staff.email.toLowerCase() === email)
    throw refuse(`is linked to staff member ${email}`);
}
