import { z } from 'zod';
import { ValidationError } from '../errors.js';

/**
 * One Xero user as a snapshot records it: the fields of Xero's `GET Users`, plus the two facts
 * Xero's API does not report (2FA, last login), kept as unknown (`null`), never invented.
 */
export interface SnapshotUser {
  userId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  organisationRole: string;
  isSubscriber: boolean;
  /** ISO-8601 UTC, as converted from Xero's `/Date(…)/` format. */
  updatedDateUtc: string | null;
  twoFactorEnabled: boolean | null;
  lastLoginAt: string | null;
}

const isoDate = z.union([
  z.string().datetime({ offset: true }),
  z.date().transform((d) => d.toISOString()),
]);

export const snapshotUserInputSchema = z
  .object({
    userId: z.string().min(1).max(64),
    email: z.string().max(320).nullish(),
    firstName: z.string().max(255).nullish(),
    lastName: z.string().max(255).nullish(),
    organisationRole: z.string().min(1).max(64),
    isSubscriber: z.boolean().nullish(),
    updatedDateUtc: isoDate.nullish(),
    twoFactorEnabled: z.boolean().nullish(),
    lastLoginAt: isoDate.nullish(),
  })
  .strip();

export type SnapshotUserInput = z.input<typeof snapshotUserInputSchema>;

/** Validates users and puts them in canonical form: every field present, sorted by userId. */
export function normaliseSnapshotUsers(users: readonly SnapshotUserInput[]): SnapshotUser[] {
  const parsed = z.array(snapshotUserInputSchema).safeParse(users);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? `users.${issue.path.join('.')}` : 'users';
    throw new ValidationError(path, issue?.message ?? 'invalid');
  }
  const seen = new Set<string>();
  const normalised = parsed.data.map((u): SnapshotUser => {
    if (seen.has(u.userId))
      throw new ValidationError('users', `userId ${u.userId} appears more than once`);
    seen.add(u.userId);
    return {
      userId: u.userId,
      email: u.email ?? null,
      firstName: u.firstName ?? null,
      lastName: u.lastName ?? null,
      organisationRole: u.organisationRole,
      isSubscriber: u.isSubscriber ?? false,
      updatedDateUtc: u.updatedDateUtc ? new Date(u.updatedDateUtc).toISOString() : null,
      twoFactorEnabled: u.twoFactorEnabled ?? null,
      lastLoginAt: u.lastLoginAt ? new Date(u.lastLoginAt).toISOString() : null,
    };
  });
  return normalised.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
