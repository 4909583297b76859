import { describe, expect, it } from 'vitest';
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
