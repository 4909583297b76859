/** Base URLs; point them at the sandbox and the same code talks to it instead of Xero. */
export interface XeroEndpoints {
  /** Token endpoint host: `${identityUrl}/connect/token`. */
  identityUrl: string;
  /** Authorize step: `${loginUrl}/identity/connect/authorize`. */
  loginUrl: string;
  /** `${apiUrl}/connections`, `${apiUrl}/api.xro/2.0/Users`. */
  apiUrl: string;
}

export const XERO_ENDPOINTS: XeroEndpoints = {
  identityUrl: 'https://identity.xero.com',
  loginUrl: 'https://login.xero.com',
  apiUrl: 'https://api.xero.com',
};

export interface XeroAppCredentials {
  clientId: string;
  clientSecret: string;
}

export const DEFAULT_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'accounting.settings.read',
] as const;

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
