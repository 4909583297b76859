import { isXeroError } from '@xero-access/xero-client';
import type { AccessGrant } from './token-manager.js';

/**
 * Runs `use` with `grant`; when Xero answers 401 to a token read from the Secret (it may just
 * have been revoked early), gets a fresh one from `refresh` and runs `use` once more. A 401 to a
 * token issued moments ago is what the troubleshooting map calls Unauthorized: it is thrown.
 */
export async function withStaleTokenRetried<T>(
  grant: AccessGrant,
  refresh: () => Promise<AccessGrant>,
  use: (grant: AccessGrant) => Promise<T>,
): Promise<T> {
  try {
    return await use(grant);
  } catch (error) {
    if (grant.fresh || !isXeroError(error, 'Unauthorized')) throw error;
    return use(await refresh());
  }
}
