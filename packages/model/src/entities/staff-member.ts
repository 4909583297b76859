import { EntitySchema } from '@mikro-orm/core';

export const STAFF_STATUSES = ['active', 'offboarded'] as const;
export type StaffStatus = (typeof STAFF_STATUSES)[number];
export const STAFF_SOURCES = ['manual', 'scim', 'import'] as const;
export type StaffSource = (typeof STAFF_SOURCES)[number];

/**
 * A person in the staff directory; email is stored lowercased and is unique among members not
 * deleted (a deleted leaver keeps theirs when it is given to someone new).
 */
export class StaffMember {
  id!: string;
  email!: string;
  name!: string;
  orgRole: string | null = null;
  status: StaffStatus = 'active';
  offboardedAt: Date | null = null;
  /**
   * The provisioning system's id (SCIM `externalId`). Unique among members not deleted: a deleted
   * leaver keeps theirs as evidence when the identity provider gives it to someone new.
   */
  externalId: string | null = null;
  source: StaffSource = 'manual';
  /**
   * When the identity provider deleted the member (SCIM DELETE). The record, its offboarding and
   * its account links are kept as audit evidence; SCIM treats it as gone (RFC 7644 §3.6).
   */
  deletedAt: Date | null = null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const StaffMemberSchema = new EntitySchema<StaffMember>({
  class: StaffMember,
  tableName: 'staff_member',
  properties: {
    id: { type: 'uuid', primary: true },
    email: { type: 'string', length: 320 },
    name: { type: 'string', length: 255 },
    orgRole: { type: 'string', length: 128, nullable: true },
    status: { type: 'string', length: 16 },
    offboardedAt: { type: 'datetime', nullable: true },
    externalId: { type: 'string', length: 255, nullable: true },
    source: { type: 'string', length: 16 },
    deletedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
  uniques: [
    {
      name: 'staff_member_live_email_unique',
      expression:
        'create unique index "staff_member_live_email_unique" on "staff_member" ("email") where "deleted_at" is null',
    },
    {
      name: 'staff_member_live_external_id_unique',
      // Partial (PostgreSQL and SQLite both have them); quoted the way both accept.
      expression:
        'create unique index "staff_member_live_external_id_unique" on "staff_member" ("external_id") where "deleted_at" is null',
    },
  ],
});
