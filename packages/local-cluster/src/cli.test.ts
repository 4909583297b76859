import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@xero-access/cli-exit/testing';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

/** local-cluster from its source; none of these cases starts a control plane. */
const localCluster = (args: string[]) => runCli(CLI, args);

// Each case starts the CLI from source through tsx (seconds on a busy machine).
describe('local-cluster CLI', { timeout: 60_000 }, () => {
  it('status exits 1 when no control plane runs', async () => {
    const run = await localCluster(['status', '--dir', mkdtempSync(join(tmpdir(), 'cluster-'))]);
    expect(run).toMatchObject({ code: 1, stdout: 'not running\n' });
  });

  it.each([
    [['status', '--dri', 'x'], "error: unknown option '--dri'\n(Did you mean --dir?)\n"],
    [['stauts'], "error: unknown command 'stauts'\n(Did you mean status?)\n"],
    [['status', '--dir'], "error: option '--dir <dir>' argument missing\n"],
  ])('exits 2 on a bad command line, not 1 as "not running": %j', async (args, stderr) => {
    const run = await localCluster(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr });
  });

  it('exits 2 with the help when no command is given', async () => {
    const run = await localCluster([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: local-cluster [options] [command]');
  });

  it('describes every command in --help', async () => {
    const run = await localCluster(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\n {2}status \[options\] +say whether the control plane/);
    for (const command of ['up', 'down', 'status', 'run'])
      expect(run.stdout).toMatch(new RegExp(`\\n  ${command} [^\\n]*\\S {2,}\\S`));
  });
});
