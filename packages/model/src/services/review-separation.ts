import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccountLink } from '../entities/account-link.js';
import type { ReviewDecision } from '../entities/review-decision.js';
import { ForbiddenError } from '../errors.js';

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
  const email = reviewer.email.trim().toLowerCase();
  if (email === '') return;
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
