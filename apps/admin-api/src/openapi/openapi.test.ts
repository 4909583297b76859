import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACCESS_EXTENSION } from '../auth/access.decorator.js';
import { generateOpenApiDocument, generateOpenApiJson } from './generate.js';

const committed = fileURLToPath(new URL('../../openapi.json', import.meta.url));

describe('OpenAPI document', () => {
  it('matches the committed openapi.json (regenerate with npm run openapi)', async () => {
    expect(await generateOpenApiJson()).toBe(readFileSync(committed, 'utf8'));
  });

  it('declares an access rule on every operation', async () => {
    const doc = (await generateOpenApiDocument()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(30);
    for (const { path, method, op } of operations) {
      expect(op[ACCESS_EXTENSION], `${method.toUpperCase()} ${path}`).toMatch(
        /^(viewer|reviewer|admin|scim|public)$/,
      );
    }
  });
});
