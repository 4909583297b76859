import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { createOrm } from './create-orm.js';

describe('createOrm poolMax', () => {
  // Refused before any connection is attempted, so the (unreachable) server is never asked.
  it.each([0, 101, 2.5])('refuses %s, naming the field and the rule', async (poolMax) => {
    const created = createOrm({ url: 'postgres://xao@127.0.0.1:1/xao', poolMax });
    await expect(created).rejects.toBeInstanceOf(ValidationError);
    await expect(created).rejects.toThrow(
      'poolMax: must be a whole number of connections from 1 to 100',
    );
  });
});

describe('createOrm url', () => {
  // MikroORM percent-decodes the password: a bare % used to fail with "URI malformed", naming nothing.
  it.each([
    [undefined, 'DATABASE_URL'],
    ['XAO_DATABASE_URL', 'XAO_DATABASE_URL'],
    ['--url', '--url'],
  ])(
    'names the setting (%s) a password that does not decode came from',
    async (urlSetting, named) => {
      const created = createOrm({ url: 'postgres://xao:S3cret%zz@127.0.0.1:1/xao', urlSetting });
      await expect(created).rejects.toThrow(
        `${named}: the password has a % not followed by two hex digits (write a % as %25)`,
      );
    },
  );
});

describe('createOrm mustExist (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xao-must-exist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a file that does not exist, naming the setting, and creates neither it nor its folder', async () => {
    const file = join(dir, 'nested', 'missing.db');
    const created = createOrm({ url: `sqlite://${file}`, mustExist: true, urlSetting: '--url' });
    await expect(created).rejects.toBeInstanceOf(ValidationError);
    await expect(created).rejects.toThrow(
      `--url: no SQLite database at ${file}: the file does not exist (it is not created here); name the file the apps use`,
    );
    expect(existsSync(join(dir, 'nested'))).toBe(false);
  });

  it('refuses sqlite::memory: and a folder', async () => {
    await expect(createOrm({ url: 'sqlite::memory:', mustExist: true })).rejects.toThrow(
      /^DATABASE_URL: sqlite::memory: is a new, empty database/,
    );
    await expect(createOrm({ url: `sqlite://${dir}`, mustExist: true })).rejects.toThrow(
      `DATABASE_URL: ${dir} is not a file`,
    );
  });

  it('opens a file that exists', async () => {
    const file = join(dir, 'there.db');
    await (await createOrm({ url: `sqlite://${file}`, migrate: true })).close();
    const model = await createOrm({ url: `sqlite://${file}`, mustExist: true });
    try {
      await model.assertSchemaNotOlder();
    } finally {
      await model.close();
    }
  }, 60_000);
});
