import { z } from 'zod';
import { STAFF_SOURCES, STAFF_STATUSES, type StaffMember } from '../entities/staff-member.js';
import { ValidationError } from '../errors.js';

/** An email as the directory keeps it: trimmed and lowercased, so comparisons ignore case. */
export const emailAddress = z.string().trim().toLowerCase().pipe(z.email().max(320));

export const staffInputSchema = z
  .object({
    email: emailAddress,
    name: z.string().trim().min(1).max(255),
    orgRole: z.string().trim().min(1).max(128).nullish(),
    status: z.enum(STAFF_STATUSES).optional(),
    offboardedAt: z.date().nullish(),
    externalId: z.string().min(1).max(255).nullish(),
    source: z.enum(STAFF_SOURCES).optional(),
  })
  .strict()
  .superRefine((data, ctx) => {
    if (data.status !== 'active' || !data.offboardedAt) return;
    ctx.addIssue({
      code: 'custom',
      path: ['offboardedAt'],
      message:
        `${data.offboardedAt.toISOString()} given with status active: a leaving date means the ` +
        'person has left; leave status out (or make it offboarded), or leave offboardedAt empty',
    });
  })
  // A leaving date without a status is a leaver (an HR export with no status column), never dropped.
  .transform((data) =>
    data.status === undefined && data.offboardedAt
      ? { ...data, status: 'offboarded' as const }
      : data,
  );

export type StaffInput = z.input<typeof staffInputSchema>;
/** StaffInput after parsing (emails lowercased, fields trimmed). */
export type StaffData = z.output<typeof staffInputSchema>;

/** Parses input with zod; the error names the first offending field (prefixed for bulk rows). */
export function parse<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ValidationError(
    `${prefix}${issue?.path.join('.') || 'input'}`,
    issue?.message ?? 'invalid',
  );
}

/** How far ahead of this clock a leaving time may be: another machine's clock may run ahead. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Refuses a leaving time in the future: offboarded-access-removed counts its grace period from
 * it, so a date ahead (a typo, a planned last day) would hide the leaver's access until then.
 */
export function assertLeftAlready(
  offboardedAt: Date | null | undefined,
  now: Date,
  field = 'offboardedAt',
): void {
  if (!offboardedAt || offboardedAt.getTime() <= now.getTime() + CLOCK_SKEW_MS) return;
  throw new ValidationError(
    field,
    `${offboardedAt.toISOString()} is in the future (now ${now.toISOString()}); ` +
      'mark the person offboarded once they have left, with the time they left',
  );
}

/** Applies a full replacement; going offboarded stamps offboardedAt (now unless given). */
export function assign(member: StaffMember, input: StaffData, now: Date): void {
  const status = input.status ?? 'active';
  member.email = input.email;
  member.name = input.name;
  member.orgRole = input.orgRole ?? null;
  member.externalId = input.externalId ?? null;
  if (input.source) member.source = input.source;
  if (status === 'offboarded')
    member.offboardedAt =
      input.offboardedAt ?? (member.status === 'offboarded' ? member.offboardedAt : null) ?? now;
  else member.offboardedAt = null;
  member.status = status;
  member.updatedAt = now;
}

/** Whether applying `input` would change nothing (bulk import counts these as unchanged). */
export function sameAs(member: StaffMember, input: StaffData): boolean {
  return (
    member.email === input.email &&
    member.name === input.name &&
    member.orgRole === (input.orgRole ?? null) &&
    member.status === (input.status ?? 'active') &&
    (input.offboardedAt === undefined ||
      (member.offboardedAt?.getTime() ?? null) === (input.offboardedAt?.getTime() ?? null)) &&
    member.externalId === (input.externalId ?? null)
  );
}
