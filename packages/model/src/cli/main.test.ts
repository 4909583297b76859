import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, 'main.ts');

/** xao-model from its source, without a database: these are refused before one is opened. */
async function xaoModel(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      {
        env: { ...process.env, XAO_DATABASE_URL: '' },
      },
    );
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('xao-model usage errors', () => {
  it('exits 2 (1 says a chain is broken), naming the command or option at fault', async () => {
    expect(await xaoModel('nosuch')).toEqual({
      code: 2,
      stderr: "error: unknown command 'nosuch'\n",
    });
    expect(
      await xaoModel('verify-chain', '--connection', 'finance/acme/extra', '--tenant', 't1'),
    ).toEqual({
      code: 2,
      stderr:
        "error: option '--connection <namespace/name>' argument 'finance/acme/extra' is invalid. expected <namespace>/<name>\n",
    });
    // --file verifies the file alone: a database option beside it would be ignored.
    const beside = [
      ['--connection', 'finance/acme', '--connection <namespace/name>'],
      ['--tenant', 't1', '--tenant <tenantId>'],
      ['--url', 'sqlite://x.db', '--url <url>'],
      ['--export', 'out.json', '--export <path>'],
    ] as const;
    const refused = await Promise.all(
      beside.map(([option, value]) =>
        xaoModel('verify-chain', '--file', 'chain.json', option, value),
      ),
    );
    expect(refused).toEqual(
      beside.map(([, , flags]) => ({
        code: 2,
        stderr: `error: option '--file <path>' cannot be used with option '${flags}'\n`,
      })),
    );
  }, 60_000);
});
