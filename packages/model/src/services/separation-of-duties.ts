import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccountLink } from '../entities/account-link.js';
import { ForbiddenError } from '../errors.js';

/** Who acts: separation of duties needs the person behind the credential. */
export interface Decider {
  by: string;
  /** The person's email, as whoever authenticated them vouches for it; null when none is known. */
  email: string | null;
  /** When `email` is null: why the credential names no person, and what would make it name one. */
  noEmailReason?: string;
}

/** What no one may do about their own Xero access, as the refusals word it. */
export interface Duty {
  /** Who does it: `reviewer`. */
  role: string;
  /** After "no one": `decides on`. */
  noOneDoes: string;
  /** After "may not": `decide on`. */
  mayNotDo: string;
  /** Who must do it instead: `another reviewer must decide`. */
  instead: string;
}

/** A Xero user as the record being decided on holds them. */
export interface XeroUserOfRecord {
  userId: string;
  /** Their email as a snapshot recorded it; null when Xero gave none. */
  email: string | null;
}

/**
 * Separation of duties fails closed: a person who cannot be tied to a credential (a shared token,
 * an identity without a verified email) could be acting on their own access, so they may not act.
 * Answers the email, trimmed and lowercased.
 */
export function requirePersonEmail(decider: Decider, duty: Duty): string {
  const email = decider.email?.trim().toLowerCase() ?? '';
  if (email !== '') return email;
  throw new ForbiddenError(
    `separation of duties needs the ${duty.role}'s verified email, so that no one ` +
      `${duty.noOneDoes} their own Xero access; ${decider.by} has none: ` +
      (decider.noEmailReason ??
        "it names no person; decide with a credential that carries the person's email"),
  );
}

/**
 * Separation of duties: no one acts on their own Xero access. The user is the decider's own when
 * their recorded email is the decider's, or when an account link ties them to the staff member
 * with the decider's email. Emails compare case-insensitively, as the staff directory and check
 * `user-identified` compare them.
 */
export async function assertNotOwnXeroAccess(
  em: SqlEntityManager,
  user: XeroUserOfRecord,
  decider: { by: string; email: string },
  duty: Duty,
): Promise<void> {
  const email = decider.email; // as requirePersonEmail answers it: trimmed, lowercase
  const refuse = (how: string) =>
    new ForbiddenError(
      `separation of duties: ${decider.by} may not ${duty.mayNotDo} their own Xero access ` +
        `(user ${user.userId} ${how}); ${duty.instead}`,
    );
  if (user.email !== null && user.email.trim().toLowerCase() === email)
    throw refuse(`has the email ${email}`);
  const link = await em.findOne(
    AccountLink,
    { userId: user.userId.toLowerCase() },
    { populate: ['staff'] },
  );
  if (link?.staff && link.staff.email.toLowerCase() === email)
    throw refuse(`is linked to staff member ${email}`);
}
