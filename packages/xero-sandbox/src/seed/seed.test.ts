import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../server.js';
import { apiGet, firstTokenSet } from '../test/http.js';
import { generateSeed } from './generate.js';
import { loadSeedFile } from './load.js';
import { parseSeed } from './schema.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xero-sandbox-seed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const YAML_SEED = `
loginUser: { email: owner@shop.example, firstName: Owner, lastName: Person }
tenants:
  - name: Corner Shop Ltd
    countryCode: GB
    version: UK
    baseCurrency: GBP
    timezone: GMTSTANDARDTIME
    users:
      - { email: owner@shop.example, firstName: Owner, lastName: Person, organisationRole: STANDARD, isSubscriber: true }
      - { email: bookkeeper@shop.example, firstName: Book, lastName: Keeper, organisationRole: FINANCIALADVISER }
apps:
  - name: Shop App
    clientId: SHOPAPP
    clientSecret: shop-secret-shop-secret
grants:
  - app: Shop App
    tenants: [Corner Shop Ltd]
    scopes: [openid, offline_access, accounting.settings.read]
    refreshToken: initial-refresh-token-0001
`;

describe('seed files', () => {
  it('loads the documented example seed', async () => {
    const seed = await loadSeedFile(
      fileURLToPath(new URL('../../examples/seed.example.yaml', import.meta.url)),
    );
    const sb = await startSandbox({ seed });
    try {
      expect(sb.tenants.map((t) => t.name)).toEqual([
        'Corner Shop Ltd',
        'Corner Shop Holdings Ltd',
      ]);
      expect(sb.apps.map((a) => a.kind)).toEqual(['standard', 'custom-connection']);
      const set = await firstTokenSet(sb);
      const org = await apiGet<{ Organisations: { BaseCurrency: string }[] }>(
        sb,
        '/api.xro/2.0/Organisation',
        set.access_token,
        sb.tenants[0]!.tenantId,
      );
      expect(org.body.Organisations[0]!.BaseCurrency).toBe('GBP');
    } finally {
      await sb.close();
    }
  });

  it('loads a YAML seed that refers to apps and tenants by name', async () => {
    const path = join(dir, 'shop.yaml');
    await writeFile(path, YAML_SEED);
    const sb = await startSandbox({ seed: await loadSeedFile(path) });
    try {
      expect(sb.apps[0]).toMatchObject({
        clientId: 'SHOPAPP',
        clientSecret: 'shop-secret-shop-secret',
      });
      expect(sb.grants[0]!.refreshToken).toBe('initial-refresh-token-0001');
      const set = await firstTokenSet(sb);
      const users = await apiGet<{ Users: unknown[] }>(
        sb,
        '/api.xro/2.0/Users',
        set.access_token,
        sb.tenants[0]!.tenantId,
      );
      expect(users.body.Users).toHaveLength(2);
    } finally {
      await sb.close();
    }
  });

  it('names the offending field when a seed is invalid', async () => {
    expect(() =>
      parseSeed({
        tenants: [
          {
            name: 'X',
            users: [{ email: 'a@b', firstName: 'A', lastName: 'B', organisationRole: 'ADMIN' }],
          },
        ],
      }),
    ).toThrow(/tenants\.0\.users\.0\.organisationRole/);
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"tenants": [');
    await expect(loadSeedFile(path)).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(
      startSandbox({
        seed: {
          apps: [{ name: 'A' }],
          grants: [{ app: 'A', tenants: ['missing'], scopes: ['openid'] }],
        },
      }),
    ).rejects.toThrow(/grants\.0\.tenants\.0: no tenant with id or name missing/);
  });
});

describe('seed generator', () => {
  it('is deterministic for a given random seed', () => {
    expect(generateSeed({ tenants: 3, randomSeed: 42 })).toEqual(
      generateSeed({ tenants: 3, randomSeed: 42 }),
    );
    expect(generateSeed({ tenants: 3, randomSeed: 42 })).not.toEqual(
      generateSeed({ tenants: 3, randomSeed: 43 }),
    );
  });

  it('serves 10,000 tenants on one grant', async () => {
    const started = performance.now();
    const sb = await startSandbox({ seed: generateSeed({ tenants: 10_000, usersPerTenant: 3 }) });
    try {
      const set = await firstTokenSet(sb);
      const connections = await apiGet<unknown[]>(sb, '/connections', set.access_token);
      expect(connections.body).toHaveLength(10_000);
      const last = sb.tenants[9_999]!.tenantId;
      const users = await apiGet<{ Users: unknown[] }>(
        sb,
        '/api.xro/2.0/Users',
        set.access_token,
        last,
      );
      expect(users.body.Users).toHaveLength(3);
      expect(performance.now() - started).toBeLessThan(30_000);
    } finally {
      await sb.close();
    }
  }, 60_000);

  it('serves 100,000 users in one tenant', async () => {
    const sb = await startSandbox({ seed: generateSeed({ tenants: 1, usersPerTenant: 100_000 }) });
    try {
      const set = await firstTokenSet(sb);
      const started = performance.now();
      const users = await apiGet<{ Users: unknown[] }>(
        sb,
        '/api.xro/2.0/Users',
        set.access_token,
        sb.tenants[0]!.tenantId,
      );
      expect(users.body.Users).toHaveLength(100_000);
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      await sb.close();
    }
  }, 60_000);
});
