import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { bundleWarnings, POLICIES_VERSION } from './bundle-warnings.js';

const REBUILD = 'rebuild it with `xero-policies build` of @xero-access/policies 1.4.0';

describe('bundleWarnings', () => {
  it('is this package version', async () => {
    const { version } = JSON.parse(
      await readFile(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(POLICIES_VERSION).toBe(version);
  });

  it('says nothing of a bundle this version built, nor of a revision that is no version', () => {
    expect(bundleWarnings('b', { revision: '1.4.0', hasEvaluation: true }, '1.4.0')).toEqual([]);
    // A hand build's own revision (opa build --revision), a bare policy.wasm's none.
    expect(bundleWarnings('b', { revision: 'git-3f2a9c1', hasEvaluation: true }, '1.4.0')).toEqual(
      [],
    );
    expect(bundleWarnings('b', { revision: undefined, hasEvaluation: true }, '1.4.0')).toEqual([]);
  });

  // A custom bundle keeps the built-in checks of the version that built it through an upgrade.
  it('names the version that built a bundle of another one, and how to rebuild it', () => {
    expect(
      bundleWarnings(
        '/policies/bundle.tar.gz',
        { revision: '1.3.2', hasEvaluation: true },
        '1.4.0',
      ),
    ).toEqual([
      `/policies/bundle.tar.gz: built by @xero-access/policies 1.3.2 (its manifest revision), not 1.4.0, so its built-in checks are those of 1.3.2; ${REBUILD}`,
    ]);
    expect(
      bundleWarnings('b', { revision: '1.4.0-rc.1', hasEvaluation: true }, '1.4.0'),
    ).toHaveLength(1);
  });

  it('says that a bundle without xeroaccess/evaluation reads no reevaluate_at', () => {
    expect(bundleWarnings('b', { revision: undefined, hasEvaluation: false }, '1.4.0')).toEqual([
      "b: no entrypoint xeroaccess/evaluation (built before it existed, or without it): no check's reevaluate_at is read, " +
        `so findings that change with time alone (an offboarding grace period ending) wait for the next sync; ${REBUILD}`,
    ]);
    expect(bundleWarnings('b', { revision: '0.9.0', hasEvaluation: false }, '1.4.0')).toHaveLength(
      2,
    );
  });
});
