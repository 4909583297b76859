#!/usr/bin/env node
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { exitOnUsageError } from '@xero-access/cli-exit';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PolicyEvaluator, messageOf } from './evaluator.js';
import { buildBundle } from './opa/build.js';
import { displayPath, filesUnder, formatCoverage } from './opa/coverage-table.js';
import { REGAL_CONFIG, regalLint } from './opa/regal-lint.js';
import { runRegoTests } from './opa/rego-test.js';
import { profileEvaluation } from './profile/profile-evaluation.js';
import { formatProfile } from './profile/profile-table.js';
import { PolicyDocumentError } from './schema/validate.js';

/**
 * Exit codes: 1 = something failed (including Rego that test or build refuse: a check nested too
 * deep, an included file in a shipped package, opa check --strict or Regal problems), 2 = the
 * input document or the command line is invalid.
 */
const EXIT_FAILED = 1;
const EXIT_INVALID_INPUT = 2;

const DEFAULT_BUNDLE =
  process.env.POLICY_BUNDLE_PATH ?? fileURLToPath(new URL('../dist/policy.wasm', import.meta.url));
const DEFAULT_OUT_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

function fail(message: string, code = EXIT_FAILED): never {
  process.stderr.write(`xero-policies: ${message}\n`);
  process.exit(code);
}

/** Each `--include` folder, checked as it is parsed: a missing one is a usage error (exit 2). */
function collectFolder(value: string, previous: string[]): string[] {
  let isFolder: boolean;
  try {
    isFolder = statSync(value).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(
      code === 'ENOENT' ? 'no such folder' : `cannot read it (${code ?? messageOf(error)})`,
    );
  }
  if (!isFolder) throw new InvalidArgumentError('not a folder (a folder of Rego files)');
  return [...previous, value];
}

const program = new Command('xero-policies')
  .description('Evaluate, test and build the Xero access checks (Rego compiled to WebAssembly).')
  .showHelpAfterError()
  // Commander's own code for a bad option or argument is 1, which here means a check failed: 2.
  .exitOverride(exitOnUsageError);

/** The input document from a JSON file; exits 2 when it cannot be read or parsed. */
async function readInput(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    fail(`${path}: cannot read a JSON document: ${messageOf(error)}`, EXIT_INVALID_INPUT);
  }
}

const loadEvaluator = (bundle: string) =>
  PolicyEvaluator.fromFile(bundle).catch((error: unknown) => fail(messageOf(error)));

/** Evaluates once; exits 2 naming the field when the input is invalid, 1 on any other failure. */
function evaluateOrFail(evaluator: PolicyEvaluator, input: unknown, inputPath: string) {
  try {
    return evaluator.evaluate(input);
  } catch (error) {
    if (error instanceof PolicyDocumentError && error.document === 'input')
      fail(`${inputPath}: ${error.message}`, EXIT_INVALID_INPUT);
    fail(messageOf(error));
  }
}

const bundleOption = () =>
  new Option('-b, --bundle <path>', 'policy.wasm or bundle.tar.gz').default(DEFAULT_BUNDLE);

/** A percentage from 0 to 100, with or without a trailing %. */
function percentage(value: string): number {
  const n = /^\d+(\.\d+)?%?$/.test(value.trim()) ? Number.parseFloat(value) : Number.NaN;
  if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError('expected a number from 0 to 100');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

program
  .command('eval')
  .description('Evaluate a policy input document (JSON) and print the output document.')
  .argument('<input>', 'policy input document, version 1 (JSON file)')
  .addOption(bundleOption())
  .action(async (inputPath: string, options: { bundle: string }) => {
    const input = await readInput(inputPath);
    const output = evaluateOrFail(await loadEvaluator(options.bundle), input, inputPath);
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  });

program
  .command('test')
  .description('Run opa test over the checks (and --include folders) and report coverage.')
  .option(
    '-i, --include <dir>',
    'extra Rego folder, e.g. custom checks (repeatable)',
    collectFolder,
    [] as string[],
  )
  .option(
    '--min-coverage <percent>',
    'fail when any policy file (tests aside) has less line coverage (0-100)',
    percentage,
    90,
  )
  .action(async (options: { include: string[]; minCoverage: number }) => {
    const report = await runRegoTests(options.include).catch((error: unknown) =>
      fail(messageOf(error)),
    );
    process.stdout.write(`${report.output}\n`);
    if (!report.passed) fail('opa test failed');
    const minimum = options.minCoverage;
    process.stdout.write(`\n${formatCoverage(report, minimum)}`);
    const under = filesUnder(report, minimum);
    if (under.length > 0) {
      const names = under.map((file) => `${displayPath(file.file)} (${file.percent}%)`);
      fail(`line coverage under ${minimum}% in: ${names.join(', ')}`);
    }
    // The included Rego meets the shipped checks' bar (npm run lint): opa check --strict ran
    // above (checkedPolicyRoots); Regal, with the same settings, here.
    const violations = await regalLint(options.include).catch((error: unknown) =>
      fail(messageOf(error)),
    );
    if (violations.length > 0) {
      fail(
        [
          `Regal found ${violations.length} problem${violations.length === 1 ? '' : 's'} in the --include folders (settings: ${REGAL_CONFIG}):`,
          ...violations.map((line) => `  ${line}`),
        ].join('\n'),
      );
    }
  });

program
  .command('profile')
  .description(
    'Evaluate an input document repeatedly under the V8 profiler and show which rules take the time.',
  )
  .argument('<input>', 'policy input document, version 1 (JSON file)')
  .addOption(bundleOption())
  .option('-n, --evaluations <count>', 'evaluations to profile', positiveInteger, 20)
  .action(async (inputPath: string, options: { bundle: string; evaluations: number }) => {
    const input = await readInput(inputPath);
    const evaluator = await loadEvaluator(options.bundle);
    evaluateOrFail(evaluator, input, inputPath);
    const profile = await profileEvaluation(evaluator, input, { evaluations: options.evaluations });
    process.stdout.write(formatProfile(profile));
  });

program
  .command('build')
  .description('Compile the checks (and --include folders) to bundle.tar.gz and policy.wasm.')
  .option(
    '-i, --include <dir>',
    'extra Rego folder, e.g. custom checks (repeatable)',
    collectFolder,
    [] as string[],
  )
  .option('-o, --output <dir>', 'output folder', DEFAULT_OUT_DIR)
  .action(async (options: { include: string[]; output: string }) => {
    const built = await buildBundle({ include: options.include, outDir: options.output }).catch(
      (error: unknown) => fail(messageOf(error)),
    );
    process.stdout.write(`wrote ${built.bundle}\nwrote ${built.wasm}\n`);
    if (built.carriesData) {
      process.stderr.write(
        `xero-policies: ${built.bundle} carries data (its /data.json, from JSON or YAML files in ` +
          'the Rego folders) that policy.wasm alone does not: roll out bundle.tar.gz, not policy.wasm.\n',
      );
    }
  });

await program.parseAsync();
