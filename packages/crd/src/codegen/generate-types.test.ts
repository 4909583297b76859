import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateTypes } from './generate-types.js';
import { generatedTypesPath } from './paths.js';

describe('generated XeroConnection types', () => {
  it('match the CRD schema (run `npm run generate -w @xero-access/crd` when this fails)', async () => {
    const committed = await readFile(generatedTypesPath, 'utf8');
    expect(committed).toBe(await generateTypes());
  });

  it('name the spec, status and condition types and keep descriptions as doc comments', async () => {
    const source = await generateTypes();
    expect(source).toContain('export interface XeroConnectionSpec');
    expect(source).toContain('export interface XeroConnectionStatus');
    expect(source).toContain('export interface XeroConnectionCondition');
    expect(source).toContain("authFlow?: 'AuthorizationCode' | 'ClientCredentials'");
    expect(source).toContain('Which connected organisation');
  });
});
