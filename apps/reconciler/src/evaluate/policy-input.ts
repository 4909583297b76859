import type { XeroConnectionSpec } from '@xero-access/crd';
import type { EvaluationContext } from '@xero-access/model';

/** The policy input document, version 1 (design.md). */
export interface PolicyInput {
  now: string;
  connection: {
    namespace: string;
    name: string;
    criticalSystem: boolean;
    accessControl: { roleMappings: { orgRole: string; xeroRoles?: string[] }[] };
  };
  tenant: { tenantId: string; tenantName: string };
  users: {
    userId: string;
    email: string | null;
    firstName: string | null;
    lastName: string | null;
    organisationRole: string;
    isSubscriber: boolean;
    updatedDateUtc: string | null;
  }[];
  staff: EvaluationContext['staff'];
  accountLinks: EvaluationContext['accountLinks'];
  settings: { offboardingGraceHours: number };
}

export interface PolicyInputSource {
  namespace: string;
  name: string;
  spec: XeroConnectionSpec;
  context: EvaluationContext;
  offboardingGraceHours: number;
  now: Date;
}

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
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      organisationRole: u.organisationRole,
      isSubscriber: u.isSubscriber,
      updatedDateUtc: u.updatedDateUtc,
    })),
    staff: context.staff,
    accountLinks: context.accountLinks,
    settings: { offboardingGraceHours: source.offboardingGraceHours },
  };
}
