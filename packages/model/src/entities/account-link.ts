import { EntitySchema } from '@mikro-orm/core';
import { StaffMember } from './staff-member.js';

/**
 * Ties a Xero UserID to a staff member, or marks it non-human with a justification. Unique per
 * Xero UserID across connections: UserIDs are GUIDs, so one link holds wherever the user appears.
 */
export class AccountLink {
  id!: string;
  userId!: string;
  staff: StaffMember | null = null;
  nonHuman = false;
  justification: string | null = null;
  createdBy: string | null = null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const AccountLinkSchema = new EntitySchema<AccountLink>({
  class: AccountLink,
  tableName: 'account_link',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'string', length: 64, unique: 'account_link_user_id_unique' },
    staff: {
      kind: 'm:1',
      entity: () => StaffMember,
      nullable: true,
      deleteRule: 'cascade',
      index: 'account_link_staff_index',
    },
    nonHuman: { type: 'boolean' },
    justification: { type: 'text', nullable: true },
    createdBy: { type: 'string', length: 255, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
