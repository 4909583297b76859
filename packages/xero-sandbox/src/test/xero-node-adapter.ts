import { createRequire } from 'node:module';
import type { XeroClient } from 'xero-node';

/**
 * How to point the official SDK (xero-node 20) at the sandbox without patching it.
 *
 * xero-node hard-codes three hosts: token requests and /connections go through the default
 * axios instance to https://identity.xero.com and https://api.xero.com, the generated APIs use
 * the same axios instance with basePath https://api.xero.com/..., and `initialize()` runs
 * OpenID discovery against https://identity.xero.com. So:
 * 1. one axios request interceptor rewrites the two https origins to the sandbox URLs;
 * 2. instead of `initialize()`, discover the sandbox issuer with the SDK's own openid-client
 *    and assign the client to the public `openIdClient` property, exactly as `initialize()` does.
 */
const sdkRequire = createRequire(createRequire(import.meta.url).resolve('xero-node'));

interface AxiosLike {
  interceptors: {
    request: { use(fn: (config: { url?: string }) => unknown): number; eject(id: number): void };
  };
}
interface OpenIdIssuerStatic {
  discover(
    url: string,
  ): Promise<{ Client: new (metadata: Record<string, unknown>) => XeroClient['openIdClient'] }>;
}

export interface SandboxUrls {
  identityUrl: string;
  apiUrl: string;
}

/** Routes every xero-node HTTP call to the sandbox; returns a function that undoes it. */
export function redirectXeroNode(urls: SandboxUrls): () => void {
  const axios = sdkRequire('axios') as AxiosLike;
  const id = axios.interceptors.request.use((config) => {
    if (config.url) {
      config.url = config.url
        .replace(/^https:\/\/identity\.xero\.com/, urls.identityUrl)
        .replace(/^https:\/\/api\.xero\.com/, urls.apiUrl);
    }
    return config;
  });
  return () => axios.interceptors.request.eject(id);
}

/** What `XeroClient.initialize()` does, with the sandbox as the OpenID issuer. */
export async function initializeAgainst(
  xero: XeroClient,
  identityUrl: string,
): Promise<XeroClient> {
  const { Issuer } = sdkRequire('openid-client') as { Issuer: OpenIdIssuerStatic };
  const issuer = await Issuer.discover(identityUrl);
  const config = xero.config!;
  xero.openIdClient = new issuer.Client({
    client_id: config.clientId,
    client_secret: config.clientSecret,
    redirect_uris: config.redirectUris,
  });
  return xero;
}
