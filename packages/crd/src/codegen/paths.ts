import { fileURLToPath } from 'node:url';

export const generatedTypesPath = fileURLToPath(
  new URL('../generated/xero-connection.ts', import.meta.url),
);

export const generatedRevisionPath = fileURLToPath(
  new URL('../generated/schema-revision.ts', import.meta.url),
);
