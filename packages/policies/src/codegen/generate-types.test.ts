import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED, renderTypes } from './generate-types.js';

describe('generated types', () => {
  it.each(GENERATED)(
    '$output is up to date with $schema (run `npm run generate`)',
    async ({ schema, output }) => {
      const committed = await readFile(fileURLToPath(new URL(output, import.meta.url)), 'utf8');
      expect(committed).toBe(await renderTypes(schema));
    },
  );
});
