import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { condition, listXeroConnections, waitAllReady } from '@xero-access/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEvidence, evidenceViaAdminApi, lostEvidence } from '../src/evidence.js';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import { processEnv, scanLogs, secretValues } from '../src/secret-scan.js';
import { getXeroConnection, requestSync } from '../src/xero-connections.js';

/**
 * A full run (start, sync, access-token expiry and refresh-token rotation, admin API and SCIM use,
 * a new API token, a request with a wrong token), then every secret value used is searched for in
 * every log the product wrote.
 */
describe('no secret in the logs of a full run', () => {
  let fs: FaultStack;
  const secrets = new Map<string, string>();
  const remember = (values: Map<string, string>) => values.forEach((v, k) => secrets.set(k, v));

  beforeAll(async () => {
    // Debug level: the reconciler's most talkative logs must be clean too.
    fs = await startFaultStack('secrets', { reconcilerEnv: { LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await fs?.stack.stop();
  });

  it('would find a secret written to a log (the scanner itself works)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-scan-'));
    writeFileSync(join(dir, 'app.log'), '{"msg":"refreshed","token":"rt_planted_0123456789"}\n');
    writeFileSync(join(dir, 'xero-sandbox.out'), 'rt_planted_0123456789');
    expect(
      scanLogs(dir, new Map([['planted', 'rt_planted_0123456789']]), /xero-sandbox/).leaks,
    ).toEqual([{ file: join(dir, 'app.log'), secret: 'planted' }]);
  });

  it('finds none of them', async () => {
    const { stack } = fs;
    const before = await evidenceViaAdminApi(stack.kc, stack.admin);
    for (const app of stack.sandbox.apps)
      secrets.set(`client secret ${app.name}`, app.clientSecret);
    for (const grant of stack.sandbox.grants)
      secrets.set(`initial refresh token ${grant.grantId}`, grant.refreshToken);
    const env = processEnv(stack.processes.adminApi.pid);
    secrets.set('admin API token', env.BOOTSTRAP_ADMIN_TOKEN!);
    secrets.set('SCIM token', env.BOOTSTRAP_SCIM_TOKEN!);
    remember(await secretValues(stack.kc, 'finance'));
    const tokensBefore = [...secrets.keys()].filter((k) => k.includes('access_token')).length;

    // Make every access token expire, so the reconciler refreshes (and rotates the refresh token).
    await fetch(`${stack.sandbox.adminUrl}/access-tokens/expire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const accessTokenKey = (values: Map<string, string>) =>
      [...values.keys()].find((k) => k.startsWith('secret/acme-xero-tokens/access_token'));
    const firstAccess = accessTokenKey(secrets);
    await requestSync(stack.kc, 'finance', 'acme');
    await requestSync(stack.kc, 'finance', 'globex');
    await expect
      .poll(async () => accessTokenKey(await secretValues(stack.kc, 'finance')), {
        timeout: 60_000,
        interval: 500,
      })
      .not.toBe(firstAccess);
    await waitAllReady(stack.kc, 60_000);
    remember(await secretValues(stack.kc, 'finance'));
    expect((await getXeroConnection(stack.kc, 'finance', 'acme')).status?.userCount).toBe(8);

    // The admin API's side: reads, SCIM, a new API token, and a wrong token.
    await stack.admin.request('GET', '/findings?limit=50');
    await stack.scim.request('GET', '/scim/v2/Users?count=5');
    const created = await stack.admin.request<{ token: string }>('POST', '/tokens', {
      name: 'faults-scan',
      role: 'viewer',
    });
    expect(created.token).toMatch(/^xao_/);
    secrets.set('created API token', created.token);
    const wrong = `xao_${randomBytes(24).toString('hex')}`;
    const refused = await fetch(`${stack.admin.baseUrl}/findings`, {
      headers: { authorization: `Bearer ${wrong}` },
    });
    expect(refused.status).toBe(401);
    secrets.set('wrong API token', wrong);

    const after = await evidenceViaAdminApi(stack.kc, stack.admin);
    const lost = lostEvidence(before, after);
    const needReconsent = (await listXeroConnections(stack.kc)).filter(
      (c) => condition(c, 'Ready')?.reason === 'ReauthorizationRequired',
    ).length;

    await fs.stack.stop(); // flushes every log
    const { leaks, filesScanned, bytesScanned } = scanLogs(stack.logDir, secrets, /xero-sandbox/);
    console.log(
      `${secrets.size} secret values (${tokensBefore} access-token versions before the refresh) searched in ${filesScanned} log files, ${bytesScanned} bytes: ${leaks.length} found`,
    );
    expect(filesScanned).toBe(2); // reconciler.log, admin-api.log
    expect(leaks).toEqual([]);
    expect(lost).toEqual([]);
    expect(needReconsent).toBe(0);

    await recordFaultResult({
      id: 'secret-scan',
      kind: 'bad-input',
      title: 'secrets in logs',
      injected: `a full run: start, sync, every access token expired (refresh, rotation, write-back), admin reads, SCIM read, a new API token, a request with a wrong token; reconciler at LOG_LEVEL=debug`,
      held: `${secrets.size} secret values (client secrets, initial refresh tokens, the token Secrets' refresh and access tokens before and after the refresh, admin, SCIM, created and wrong API tokens) searched in ${filesScanned} log files (${(bytesScanned / 1024).toFixed(1)} kB): ${leaks.length} found; the scanner finds a planted value`,
      dataLost: lost.length + needReconsent,
      dataChecked: `${describeEvidence(before, after)}; connections needing re-consent ${needReconsent}`,
      command: faultCommand('secret-scan.fault.test.ts'),
    });
  });
});
