/* Generated from src/schema by `npm run generate`: do not edit by hand. */

/**
 * RFC 3339 date-time, e.g. 2026-11-22T00:00:00Z (upper-case T and Z).
 */
export type Timestamp = string;
export type AccountLink = StaffLink | NonHumanLink;

/**
 * Policy input document, version 1: one Xero organisation's users with the staff directory, account links and access control, evaluated by the access checks.
 */
export interface PolicyInput {
  /**
   * The evaluation time: grace periods are measured to it, so results are reproducible.
   */
  now: string;
  connection: Connection;
  tenant: Tenant;
  /**
   * Xero users from the snapshot.
   */
  users: XeroUser[];
  /**
   * The staff directory.
   */
  staff: StaffMember[];
  /**
   * Explicit ties of Xero users to staff members, or to nobody (non-human accounts).
   */
  accountLinks: AccountLink[];
  settings?: Settings;
}
/**
 * The XeroConnection being evaluated.
 */
export interface Connection {
  namespace: string;
  name: string;
  criticalSystem: boolean;
  accessControl?: {
    roleMappings?: RoleMapping[];
  };
}
/**
 * An organisation role that may hold access, and with which Xero roles (empty or missing: any role).
 */
export interface RoleMapping {
  orgRole: string;
  xeroRoles?: string[];
}
export interface Tenant {
  tenantId: string;
  tenantName: string;
}
export interface XeroUser {
  /**
   * Xero UserID.
   */
  userId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  /**
   * Xero role, e.g. READONLY, INVOICEONLY, STANDARD, FINANCIALADVISER, MANAGEDCLIENT, CASHBOOKCLIENT, UNKNOWN, REMOVED.
   */
  organisationRole: string;
  isSubscriber: boolean;
  updatedDateUtc: Timestamp | null;
}
export interface StaffMember {
  id: string;
  email: string;
  name: string;
  orgRole: string;
  status: 'active' | 'offboarded';
  offboardedAt: Timestamp | null;
}
/**
 * Ties a Xero user to a staff member, whatever the emails say.
 */
export interface StaffLink {
  userId: string;
  staffId: string;
  nonHuman?: false;
}
/**
 * Marks a Xero user as a service account or external adviser; identified only with a justification.
 */
export interface NonHumanLink {
  userId: string;
  nonHuman: true;
  justification: string;
}
export interface Settings {
  /**
   * Hours an offboarded member's access may outlive offboardedAt.
   */
  offboardingGraceHours?: number;
}
