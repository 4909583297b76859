import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cliActor, MAX_CLI_ACTOR_LENGTH, osUser } from './cli-actor.js';

/** As in the chart's image: every `kubectl exec` runs as uid 10001, without a user name. */
const inPod = () => 'uid-10001';

describe('the CLI audit actor', () => {
  it("is the OS user's name", () => {
    expect(osUser()).toBe(userInfo().username);
    expect(cliActor({ env: {}, warn: () => undefined })).toEqual({
      actor: `cli:${userInfo().username}`,
    });
  });

  it('falls back to the uid when the uid has no user name', () => {
    const noPasswdEntry = () => {
      throw Object.assign(new Error('uv_os_get_passwd returned ENOENT'), { code: 'ENOENT' });
    };
    expect(osUser(noPasswdEntry, () => 1000660000)).toBe('uid-1000660000');
    expect(
      osUser(
        () => ({ username: '' }),
        () => 1001,
      ),
    ).toBe('uid-1001');
    expect(osUser(noPasswdEntry, () => undefined)).toBe('unknown');
  });

  it('names the person given with --actor, else XAO_ACTOR, keeping the OS user in the details', () => {
    const warnings: string[] = [];
    const warn = (line: string) => warnings.push(line);
    expect(cliActor({ actor: ' rita@acme.example ', env: {}, osUser: inPod, warn })).toEqual({
      actor: 'cli:rita@acme.example',
      actorDetails: { osUser: 'uid-10001' },
    });
    expect(
      cliActor({ actor: 'Rita Ng', env: { XAO_ACTOR: 'sam' }, osUser: inPod, warn }),
    ).toMatchObject({ actor: 'cli:Rita Ng' });
    expect(cliActor({ env: { XAO_ACTOR: 'sam@acme.example' }, osUser: inPod, warn })).toEqual({
      actor: 'cli:sam@acme.example',
      actorDetails: { osUser: 'uid-10001' },
    });
    expect(warnings).toEqual([]);
  });

  it('warns when nothing names a person, and the entry names only the OS user', () => {
    const warnings: string[] = [];
    const warn = (line: string) => warnings.push(line);
    expect(cliActor({ env: { XAO_ACTOR: '' }, osUser: inPod, warn })).toEqual({
      actor: 'cli:uid-10001',
    });
    expect(warnings).toEqual([
      'admin-api: warning: the audit log names only the OS user (cli:uid-10001), not who ran this: give --actor <your name or email> (or XAO_ACTOR)',
    ]);
  });

  it('refuses an empty, overlong or unprintable actor, naming where it came from', () => {
    const actor =
      (value: string | undefined, env: NodeJS.ProcessEnv = {}) =>
      () =>
        cliActor({ actor: value, env, osUser: inPod, warn: () => undefined });
    expect(actor('  ')).toThrow('--actor must name who runs the command: it is empty');
    expect(actor('a'.repeat(MAX_CLI_ACTOR_LENGTH))).not.toThrow();
    expect(actor('a'.repeat(MAX_CLI_ACTOR_LENGTH + 1))).toThrow(
      `--actor must be at most ${MAX_CLI_ACTOR_LENGTH} characters`,
    );
    for (const forged of ['rita\ncli:admin', 'rita\u0000', 'rita\u202eevil', 'rita\u2028x'])
      expect(actor(forged)).toThrow(
        '--actor must be printable: no control characters or line breaks',
      );
    expect(actor(undefined, { XAO_ACTOR: 'ri\rta' })).toThrow('XAO_ACTOR must be printable');
    expect(actor(undefined, { XAO_ACTOR: ' ' })).toThrow(
      'XAO_ACTOR must name who runs the command',
    );
  });
});
