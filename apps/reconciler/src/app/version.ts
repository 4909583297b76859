import { createRequire } from 'node:module';

/** This build's version: the app's package.json (src/ and dist/ sit at the same depth), read once. */
export const APP_VERSION = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

/**
 * The User-Agent of every request to the API server: the API server names the field manager of
 * this app's writes (`metadata.managedFields`) and its audit log entries after it.
 */
export const KUBE_USER_AGENT = `xero-access-reconciler/${APP_VERSION}`;
