import { Command, InvalidArgumentError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_USAGE, exitOnUsageError } from './index.js';

class Exited extends Error {
  constructor(readonly code: number | string | null | undefined) {
    super(`exit ${code}`);
  }
}

/** A CLI as ours are set up, run on `args`: the code it exits with, and what it printed. */
function exitCodeOf(args: string[]): { code: unknown; out: string } {
  let out = '';
  vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Exited(code);
  });
  const program = new Command('tool')
    .exitOverride(exitOnUsageError)
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  program
    .command('status')
    .description('say whether it runs')
    .option('--dir <dir>', 'state folder')
    .option('--port <port>', 'TCP port', (value) => {
      if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a port');
      return Number(value);
    })
    .action(() => undefined);
  try {
    program.parse(args, { from: 'user' });
    return { code: 'no exit', out };
  } catch (error) {
    if (error instanceof Exited) return { code: error.code, out };
    throw error;
  }
}

afterEach(() => vi.restoreAllMocks());

describe('exitOnUsageError', () => {
  it.each([
    [['status', '--dri', 'x'], "unknown option '--dri'"],
    [['stauts'], "unknown command 'stauts'"],
    [
      ['status', '--port', '-1'],
      "option '--port <port>' argument '-1' is invalid. expected a port",
    ],
    [['status', '--dir'], "option '--dir <dir>' argument missing"],
    [[], 'Usage: tool'],
  ])('exits 2 on a bad command line: %j', (args, said) => {
    const { code, out } = exitCodeOf(args);
    expect(code).toBe(EXIT_USAGE);
    expect(EXIT_USAGE).toBe(2);
    expect(out).toContain(said);
  });

  it('exits 0 for help', () => {
    expect(exitCodeOf(['--help']).code).toBe(0);
    expect(exitCodeOf(['help', 'status']).code).toBe(0);
  });

  it('does not exit when the command line is right', () => {
    expect(exitCodeOf(['status', '--dir', 'x']).code).toBe('no exit');
  });
});
