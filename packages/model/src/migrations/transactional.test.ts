import type { Migration } from '@mikro-orm/migrations';
import { describe, expect, it } from 'vitest';
import { postgresqlMigrations } from './postgresql/index.js';
import { sqliteMigrations } from './sqlite/index.js';

describe.each([
  ['postgresql', postgresqlMigrations],
  ['sqlite', sqliteMigrations],
])('the %s migrations', (_dialect, migrations) => {
  // migrateUp runs every pending migration in one transaction. One that opts out (isTransactional
  // false, as CREATE INDEX CONCURRENTLY needs) would run on another session before that
  // transaction commits: on a new database it cannot see the tables the run creates, and a run
  // failing after it rolls back its record but not its effect. README: Migrations.
  it('all run inside the migrations transaction', () => {
    const optedOut = migrations
      .filter((m) => {
        const migration = new m.class(undefined, undefined) as unknown as Migration;
        return !migration.isTransactional();
      })
      .map((m) => m.name);
    expect(optedOut).toEqual([]);
  });
});
