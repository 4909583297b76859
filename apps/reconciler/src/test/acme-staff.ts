import type { ModelOrm } from '@xero-access/model';
import { EXAMPLE_IDS } from '@xero-access/xero-sandbox';

/** Who the audit log names for the seeded changes. */
const SEEDER = { actor: 'test:seed-acme-staff' };

const PEOPLE = [
  ['olivia.chen@acme.example', 'Olivia Chen'],
  ['liam.patel@acme.example', 'Liam Patel'],
  ['sophie.martin@acme.example', 'Sophie Martin'],
  ['noah.williams@acme.example', 'Noah Williams'],
  ['emma.brown@acme.example', 'Emma Brown'],
] as const;

/**
 * The staff directory for the sandbox's Acme Finance: everyone is `accountant` unless `orgRoles`
 * (by email) says otherwise; Emma Brown left three days ago; the sync service and Grace Wilson
 * (external adviser) are linked as non-human; nobody owns Jack Taylor's personal address.
 */
export async function seedAcmeStaff(
  model: ModelOrm,
  orgRoles: Partial<Record<(typeof PEOPLE)[number][0], string>> = {},
): Promise<void> {
  const { db } = model;
  for (const [email, name] of PEOPLE) {
    const person = await db.staff.create({ email, name, orgRole: orgRoles[email] ?? 'accountant' });
    if (email === 'emma.brown@acme.example')
      await db.staff.setStatus(
        person.id,
        'offboarded',
        SEEDER,
        new Date(),
        new Date(Date.now() - 72 * 3_600_000),
      );
  }
  await db.links.link(
    EXAMPLE_IDS.users.syncService,
    {
      nonHuman: true,
      justification: 'Nightly bank-feed sync service',
    },
    SEEDER,
  );
  await db.links.link(
    EXAMPLE_IDS.users.graceWilson,
    {
      nonHuman: true,
      justification: 'External adviser (Ledgerwise)',
    },
    SEEDER,
  );
}
