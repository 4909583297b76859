import type { ModelOrm, SnapshotUserInput } from '@xero-access/model';

export const CONNECTION = { namespace: 'finance', name: 'acme' };
export const TENANT = { tenantId: 'tenant-acme', tenantName: 'Acme Finance Ltd' };

export const USERS: SnapshotUserInput[] = [
  {
    userId: 'u-olivia',
    email: 'olivia.chen@acme.example',
    firstName: 'Olivia',
    lastName: 'Chen',
    organisationRole: 'STANDARD',
    isSubscriber: true,
  },
  {
    userId: 'u-jack',
    email: 'jack.taylor@gmail.example',
    firstName: 'Jack',
    lastName: 'Taylor',
    organisationRole: 'STANDARD',
  },
  {
    userId: 'u-emma',
    email: 'emma.brown@acme.example',
    firstName: 'Emma',
    lastName: 'Brown',
    organisationRole: 'ADVISER',
  },
];

/** Two snapshots (Emma's role changes, Liam joins) and findings reported on the second. */
export async function seedAcme(model: ModelOrm) {
  const first = await model.db.snapshots.record(
    CONNECTION,
    TENANT,
    USERS,
    new Date('2026-11-20T00:00:00Z'),
  );
  const secondUsers = [
    ...USERS.map((u) => (u.userId === 'u-emma' ? { ...u, organisationRole: 'STANDARD' } : u)),
    {
      userId: 'u-liam',
      email: 'liam.patel@acme.example',
      firstName: 'Liam',
      lastName: 'Patel',
      organisationRole: 'READONLY',
    },
  ];
  const second = await model.db.snapshots.record(
    CONNECTION,
    TENANT,
    secondUsers,
    new Date('2026-11-21T00:00:00Z'),
  );
  const result = await model.db.findings.apply(CONNECTION, second.id, [
    {
      check: 'user-identified',
      severity: 'medium',
      subject: { kind: 'user', id: 'u-jack' },
      message: 'Jack Taylor is not in the staff directory',
      remediation: 'link or remove',
    },
    {
      check: 'offboarded-access-removed',
      severity: 'high',
      subject: { kind: 'user', id: 'u-emma' },
      message: 'Emma Brown left but still has access',
    },
    {
      check: 'critical-system-access-configured',
      severity: 'high',
      subject: { kind: 'connection', id: 'finance/acme' },
      message: 'no role mappings',
    },
  ]);
  return { first, second, transitions: result.transitions };
}
