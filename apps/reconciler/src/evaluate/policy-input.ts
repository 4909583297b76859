import type { XeroConnectionSpec } from '@xero-access/crd';
import type { EvaluationContext } from '@xero-access/model';
import type { PolicyInput } from '@xero-access/policies';

export type { PolicyInput };

export interface PolicyInputSource {
  namespace: string;
  name: string;
  spec: XeroConnectionSpec;
  context: EvaluationContext;
  offboardingGraceHours: number;
  now: Date;
}

/**
 * The policy input document (version 1, design.md; the type is generated from the policies'
 * JSON Schema). Unknowns the schema has no null for become empty strings: a user without an
 * email matches nobody, a staff member without an org role matches no mapping.
 */
export function buildPolicyInput(source: PolicyInputSource): PolicyInput {
  const { spec, context } = source;
  return {
    now: source.now.toISOString(),
    connection: {
      namespace: source.namespace,
      name: source.name,
      criticalSystem: spec.criticalSystem ?? true,
      accessControl: {
        roleMappings: (spec.accessControl?.roleMappings ?? []).map((m) => ({
          orgRole: m.orgRole,
          ...(m.xeroRoles && m.xeroRoles.length > 0 ? { xeroRoles: [...m.xeroRoles] } : {}),
        })),
      },
    },
    tenant: { tenantId: context.snapshot.tenantId, tenantName: context.snapshot.tenantName },
    users: context.users.map((u) => ({
      userId: u.userId,
      email: u.email ?? '',
      firstName: u.firstName,
      lastName: u.lastName,
      organisationRole: u.organisationRole,
      isSubscriber: u.isSubscriber,
      updatedDateUtc: u.updatedDateUtc,
    })),
    staff: context.staff.map((s) => ({ ...s, orgRole: s.orgRole ?? '' })),
    accountLinks: context.accountLinks,
    settings: { offboardingGraceHours: source.offboardingGraceHours },
  };
}
