import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestBed } from '../test/test-bed.js';

/** The command the Helm chart's migration Job runs (templates/migration-job.yaml), from the built package. */
const MIGRATE_CLI = join(
  dirname(createRequire(import.meta.url).resolve('@xero-access/model/package.json')),
  'dist/cli/main.js',
);
const JOB = 'xao-xero-access-migrate';

describe('migrations from the Job, not at start (database.migrations.mode: job)', () => {
  const bed = useTestBed({ name: 'migrate-job' });

  it('refuses to start on an unmigrated database naming the Job, and starts once `xao-model migrate` ran', async () => {
    const env = bed.env({
      extra: { DATABASE_MIGRATE: 'false', DATABASE_MIGRATION_JOB: JOB },
    });

    const refused = bed.spawnReconciler(env);
    expect(await refused.exited).toBe(1);
    const fatal = refused.logs.find((l) => l.msg === 'reconciler failed to start');
    const message = String((fatal?.err as { message?: string } | undefined)?.message);
    expect(message).toMatch(/^the database has no schema yet: none of this build's \d+ migrations/);
    expect(message).toContain('this start does not apply migrations (DATABASE_MIGRATE=false)');
    expect(message).toContain(`The migration Job ${JOB} applies them`);
    expect(message).toContain(`kubectl logs job/${JOB}`);
    expect(refused.logs.some((l) => l.msg === 'reconciler started')).toBe(false);

    const migrated = await promisify(execFile)(process.execPath, [MIGRATE_CLI, 'migrate'], {
      env: { PATH: process.env.PATH ?? '', XAO_DATABASE_URL: bed.database.url },
    });
    expect(migrated.stdout).toMatch(/^applied: Migration\d+_initial, /);

    const started = bed.spawnReconciler(env);
    await started.waitForLog('reconciler started');
    expect(started.logs.some((l) => l.level === 'fatal')).toBe(false);
  });
});
