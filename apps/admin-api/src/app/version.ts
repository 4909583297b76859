import { createRequire } from 'node:module';

/** This build's version: the app's package.json (src/ and dist/ sit at the same depth), read once. */
export const APP_VERSION = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;
