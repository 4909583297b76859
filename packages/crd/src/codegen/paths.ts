import { fileURLToPath } from 'node:url';

export const generatedTypesPath = fileURLToPath(
  new URL('../generated/xero-connection.ts', import.meta.url),
);
