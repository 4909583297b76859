import type { AccountLink, PolicyInput, StaffMember, XeroUser } from '../generated/policy-input.js';

/**
 * The staff member the checks tie a Xero user to, as lib/identity/identity.rego resolves it
 * (`{"kind": "staff"}`), or null. An account link for the user wins over the email match, even a
 * broken one; it must be the user's only link, and not non-human, and its staff id must belong to
 * exactly one member. Without a link, the email (case-insensitive) must be exactly one member's;
 * blank emails match nobody. Like the policy's indexes (sets), a link or member repeated exactly
 * counts once. offboarding-grace.test.ts holds this to the policy's own results.
 */
export function staffResolver(
  input: Pick<PolicyInput, 'staff' | 'accountLinks'>,
): (user: XeroUser) => StaffMember | null {
  const linksByUserId = groupBy(input.accountLinks, (link) => link.userId);
  const staffById = groupBy(input.staff, (member) => member.id);
  const staffByEmail = groupBy(
    input.staff.filter((member) => member.email.trim() !== ''),
    (member) => member.email.toLowerCase(),
  );
  const only = <T>(items: readonly T[] | undefined): T | null =>
    items?.length === 1 ? items[0]! : null;
  return (user) => {
    const links = linksByUserId.get(user.userId);
    if (!links) return only(staffByEmail.get(user.email.toLowerCase()));
    const link = only(links);
    if (!link || link.nonHuman === true) return null;
    return only(staffById.get(staffIdOf(link)));
  };
}

/** As the policy reads it: `object.get(link, "staffId", "")`. */
function staffIdOf(link: AccountLink): string {
  return 'staffId' in link ? link.staffId : '';
}

/** Groups as the policy's indexes do: sets, so an item repeated exactly counts once. */
function groupBy<T extends object>(
  items: readonly T[],
  key: (item: T) => string,
): Map<string, T[]> {
  const groups = new Map<string, Map<string, T>>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k) ?? new Map<string, T>();
    groups.set(k, group.set(sameValue(item), item));
  }
  return new Map([...groups].map(([k, group]) => [k, [...group.values()]]));
}

/** Equal for equal objects of plain values, whatever their key order (as in Rego). */
function sameValue(item: object): string {
  return JSON.stringify(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
