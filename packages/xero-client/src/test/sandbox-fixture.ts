import { startSandbox, type Sandbox, type StartSandboxOptions } from '@xero-access/xero-sandbox';
import { type XeroEndpoints } from '../config.js';

export const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'accounting.settings.read'];

/** A sandbox with one app and one authorization-code grant over `tenantCount` organisations. */
export async function startTestSandbox(
  tenantCount = 1,
  options: Omit<StartSandboxOptions, 'seed'> = {},
): Promise<Sandbox> {
  const tenants = Array.from({ length: tenantCount }, (_, i) => ({
    name: `Org ${i + 1}`,
    users: [
      {
        email: `owner${i}@org.example`,
        firstName: 'Owner',
        lastName: `${i}`,
        organisationRole: 'STANDARD' as const,
        isSubscriber: true,
      },
      {
        email: `adviser${i}@firm.example`,
        firstName: 'Adviser',
        lastName: `${i}`,
        organisationRole: 'FINANCIALADVISER' as const,
      },
    ],
  }));
  return startSandbox({
    port: 0,
    ...options,
    seed: {
      apps: [{ name: 'operator' }],
      tenants,
      grants: [{ app: 'operator', tenants: tenants.map((t) => t.name), scopes: SCOPES }],
    },
  });
}

export function endpointsOf(sandbox: Sandbox): XeroEndpoints {
  return { identityUrl: sandbox.identityUrl, loginUrl: sandbox.loginUrl, apiUrl: sandbox.apiUrl };
}

export function appOf(sandbox: Sandbox): { clientId: string; clientSecret: string } {
  const app = sandbox.apps[0]!;
  return { clientId: app.clientId, clientSecret: app.clientSecret };
}

export function grantOf(sandbox: Sandbox): {
  grantId: string;
  refreshToken: string;
  tenantIds: string[];
} {
  const grant = sandbox.grants[0]!;
  if (!grant.refreshToken) throw new Error('the seed grant has no refresh token');
  return { grantId: grant.grantId, refreshToken: grant.refreshToken, tenantIds: grant.tenantIds };
}
