import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BUILT_POLICY_BUNDLE } from '@xero-access/policies';
import { describe, expect, it } from 'vitest';
import { useTestBed } from '../test/test-bed.js';

const versionOf = (packageJson: string) =>
  (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

describe('what a running reconciler says about its build (its own process)', () => {
  const bed = useTestBed({ name: 'build-info' });

  it('logs its version at start and exports it and the policy bundle it evaluates with', async () => {
    const version = versionOf(fileURLToPath(new URL('../../package.json', import.meta.url)));
    const policiesVersion = versionOf(
      createRequire(import.meta.url).resolve('@xero-access/policies/package.json'),
    );
    const sha256 = createHash('sha256').update(readFileSync(BUILT_POLICY_BUNDLE)).digest('hex');

    const reconciler = bed.spawnReconciler(bed.env());
    const metrics = (await reconciler.metrics()).split('\n');
    expect(await reconciler.waitForLog('reconciler started')).toMatchObject({ version });
    expect(await reconciler.waitForLog('policy bundle loaded')).toMatchObject({
      sha256,
      revision: policiesVersion,
    });
    expect(metrics.filter((l) => l.startsWith('xao_build_info{'))).toEqual([
      `xao_build_info{app="reconciler",version="${version}"} 1`,
    ]);
    expect(metrics.filter((l) => l.startsWith('xao_policy_bundle_info{'))).toEqual([
      `xao_policy_bundle_info{sha256="${sha256}",revision="${policiesVersion}",source="built-in"} 1`,
    ]);
  });
});
