/** What the offboarding tests share: the grace period they run with, and how HR and Xero list people. */
export const HOUR_MS = 3_600_000;
export const GRACE_HOURS = 24;
export const OFFBOARDED = 'offboarded-access-removed';
/** The actor of the staff changes a test makes, as an HR feed would. */
export const HR_FEED = { actor: 'test:hr-feed' };

/** A Xero user of a seeded organisation, named after the email's local part. */
export function seededMember(email: string, lastName: string) {
  return { email, firstName: email.split('@')[0]!, lastName, organisationRole: 'STANDARD' };
}
