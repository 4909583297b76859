import { createHash, randomBytes } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IDS } from '../seed/example.js';
import { generateSeed } from '../seed/generate.js';
import { ORGANISATION_ROLES } from '../seed/schema.js';
import { startSandbox, type Sandbox } from '../server.js';
import { apiGet, customApp, firstTokenSet, standardApp, tokenRequest } from '../test/http.js';
import { specValidators, type SpecValidators } from '../test/openapi.js';

let specs: SpecValidators;
let sb: Sandbox;
let accessToken: string;
const tenantId = EXAMPLE_IDS.acmeTenantId;

beforeAll(async () => {
  specs = specValidators();
  sb = await startSandbox();
  accessToken = (await firstTokenSet(sb)).access_token;
}, 60_000);
afterAll(async () => {
  await sb.close();
});

function expectValid(validate: ValidateFunction, body: unknown): void {
  const valid = validate(body);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
  expect(valid).toBe(true);
}

describe('responses validate against Xero OpenAPI 16.1.0', () => {
  it('GET Users (every role, joiners included) matches #/components/schemas/Users', async () => {
    sb.addUser(tenantId, {
      email: 'joiner@acme.example',
      firstName: 'Jo',
      lastName: 'Iner',
      organisationRole: 'CASHBOOKCLIENT',
    });
    const result = await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId);
    expect(result.status).toBe(200);
    expectValid(specs.schema('accounting', 'Users'), result.body);
  });

  it('GET Users/{UserID} matches Users', async () => {
    const result = await apiGet(
      sb,
      `/api.xro/2.0/Users/${EXAMPLE_IDS.users.jackTaylor}`,
      accessToken,
      tenantId,
    );
    expectValid(specs.schema('accounting', 'Users'), result.body);
  });

  it('GET Organisation matches Organisations (both example organisations)', async () => {
    expectValid(
      specs.schema('accounting', 'Organisations'),
      (await apiGet(sb, '/api.xro/2.0/Organisation', accessToken, tenantId)).body,
    );
    const custom = await tokenRequest(sb, { grant_type: 'client_credentials' }, customApp(sb));
    const au = await apiGet(
      sb,
      '/api.xro/2.0/Organisation',
      custom.body.access_token,
      customApp(sb).tenantId,
    );
    expectValid(specs.schema('accounting', 'Organisations'), au.body);
  });

  it('GET Currencies matches Currencies', async () => {
    expectValid(
      specs.schema('accounting', 'Currencies'),
      (await apiGet(sb, '/api.xro/2.0/Currencies', accessToken, tenantId)).body,
    );
  });

  it('a 400 validation answer matches Error', async () => {
    const result = await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId, {
      'if-modified-since': 'not a date',
    });
    expect(result.status).toBe(400);
    expectValid(specs.schema('accounting', 'Error'), result.body);
  });

  it('GET /connections matches an array of Connection', async () => {
    const result = await apiGet<unknown[]>(sb, '/connections', accessToken);
    expect(result.body.length).toBeGreaterThan(0);
    expectValid(specs.arrayOf('identity', 'Connection'), result.body);
  });

  it('token responses (refresh, code exchange, client credentials) match AccessToken', async () => {
    const validate = specs.schema('identity', 'AccessToken');
    expectValid(validate, await firstTokenSet(sb));
    expectValid(
      validate,
      (await tokenRequest(sb, { grant_type: 'client_credentials' }, customApp(sb))).body,
    );

    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${sb.loginUrl}/identity/connect/authorize`);
    const redirect = 'http://127.0.0.1:9/cb';
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: standardApp(sb).clientId,
      redirect_uri: redirect,
      scope: 'openid profile email offline_access accounting.settings.read',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sandbox_auto_consent: 'true',
    })) {
      authorize.searchParams.set(k, v);
    }
    const code = new URL(
      (await fetch(authorize, { redirect: 'manual' })).headers.get('location')!,
    ).searchParams.get('code')!;
    const exchanged = await tokenRequest(
      sb,
      { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier },
      standardApp(sb),
    );
    expectValid(validate, exchanged.body);
  });

  it('users of a generated organisation (all roles) match Users', async () => {
    const generated = await startSandbox({
      seed: generateSeed({ tenants: 1, usersPerTenant: 200, randomSeed: 7 }),
    });
    try {
      const token = (await firstTokenSet(generated)).access_token;
      const result = await apiGet<{ Users: { OrganisationRole: string }[] }>(
        generated,
        '/api.xro/2.0/Users',
        token,
        generated.tenants[0]!.tenantId,
      );
      expectValid(specs.schema('accounting', 'Users'), result.body);
      const roles = new Set(result.body.Users.map((u) => u.OrganisationRole));
      expect([...roles].every((r) => (ORGANISATION_ROLES as readonly string[]).includes(r))).toBe(
        true,
      );
      expect(roles.size).toBeGreaterThanOrEqual(6);
    } finally {
      await generated.close();
    }
  });
});

describe('the validator itself', () => {
  it('rejects a misspelt field, a wrong enum value and an ISO date where a Microsoft date belongs', () => {
    const validate = specs.schema('accounting', 'Users');
    const good = {
      UserID: EXAMPLE_IDS.users.liamPatel,
      EmailAddress: 'a@b',
      UpdatedDateUTC: '/Date(1573755038314+0000)/',
      OrganisationRole: 'STANDARD',
    };
    expect(validate({ Users: [good] })).toBe(true);
    expect(validate({ Users: [{ ...good, EmailAdress: 'typo' }] })).toBe(false);
    expect(validate({ Users: [{ ...good, OrganisationRole: 'ADMIN' }] })).toBe(false);
    expect(validate({ Users: [{ ...good, UpdatedDateUTC: '2019-11-14T18:10:38Z' }] })).toBe(false);
  });

  it('needs the lenient date-time: the spec example for /connections has no zone', () => {
    const example = [
      {
        id: '7cb59f93-2964-421d-bb5e-a0f7a4572a44',
        tenantId: 'fe79f7dd-b6d4-4a92-ba7b-538af6289c58',
        tenantName: 'Demo Company (NZ)',
        tenantType: 'ORGANISATION',
        createdDateUtc: '2019-12-07T18:46:19.5165400',
        updatedDateUtc: '2019-12-07T18:46:19.5187840',
      },
    ];
    expect(specs.arrayOf('identity', 'Connection')(example)).toBe(true);
    expect(
      specValidators({ strictDateTime: true }).arrayOf('identity', 'Connection')(example),
    ).toBe(false);
  });
});
