import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@xero-access/local-cluster';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir } from './helm.js';

const versionOf = (workspace: string) =>
  (
    JSON.parse(readFileSync(join(repoRoot(), workspace, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

// appVersion follows the apps' package version (the chart README, "Versioning"; one image holds both
// apps): the version each reports (xao_build_info, its start-up line) is the tag the chart deploys.
describe('Chart.yaml appVersion', () => {
  const { appVersion } = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
    appVersion: unknown;
  };

  it.each(['apps/reconciler', 'apps/admin-api'])('is the version in %s/package.json', (app) => {
    expect(appVersion).toBe(versionOf(app));
  });
});
