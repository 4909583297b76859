import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readCrdSchema } from './crd-source.js';
import { generateTypes, xeroRoles } from './generate-types.js';
import { generatedTypesPath } from './paths.js';
import { XERO_ROLES } from '../index.js';

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

  it('carry the xeroRoles enum as the runtime constant XERO_ROLES, read from the CRD', async () => {
    const roles = xeroRoles(await readCrdSchema());
    expect(roles).toContain('READONLY');
    expect(roles).not.toContain('REMOVED');
    expect([...XERO_ROLES]).toEqual(roles);
    expect(() => xeroRoles({ properties: {} })).toThrow(/no enum at spec\.accessControl/);
  });
});
