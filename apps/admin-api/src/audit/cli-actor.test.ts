import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cliActor } from './cli-actor.js';

describe('the CLI audit actor', () => {
  it("is the OS user's name", () => {
    expect(cliActor()).toEqual({ actor: `cli:${userInfo().username}` });
  });

  it('falls back to the uid when the uid has no user name', () => {
    const noPasswdEntry = () => {
      throw Object.assign(new Error('uv_os_get_passwd returned ENOENT'), { code: 'ENOENT' });
    };
    expect(cliActor(noPasswdEntry, () => 1000660000)).toEqual({ actor: 'cli:uid-1000660000' });
    expect(
      cliActor(
        () => ({ username: '' }),
        () => 1001,
      ),
    ).toEqual({ actor: 'cli:uid-1001' });
    expect(cliActor(noPasswdEntry, () => undefined)).toEqual({ actor: 'cli:unknown' });
  });
});
