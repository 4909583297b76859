import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { policyRoots, runOpa } from './opa-tool.js';

const CHECKS = ['xeroaccess', 'checks'];

/**
 * The Rego folders of a build or test run (the checks plus `include`), refused when a package
 * sits more than one level under `xeroaccess.checks`: the entrypoint reads only
 * `data.xeroaccess.checks[check].findings`, so such a check would compile, pass its tests and
 * never report anything.
 */
export async function checkedPolicyRoots(include: readonly string[] = []): Promise<string[]> {
  const roots = policyRoots(include.map((dir) => resolve(dir)));
  const nested = Object.entries(await packagesOf(await regoFiles(roots))).filter(
    ([, path]) => path.length > CHECKS.length + 1 && CHECKS.every((name, i) => path[i] === name),
  );
  if (nested.length > 0) {
    throw new Error(
      [
        'checks nested more than one level under xeroaccess.checks are never evaluated:',
        ...nested.map(([file, path]) => `  ${file}: package ${packageName(path)}`),
        'A check must be `package xeroaccess.checks["<check-id>"]` (or `xeroaccess.checks.<id>`),',
        'one level under xeroaccess.checks; its tests `package xeroaccess.checks["<check-id>_test"]`.',
      ].join('\n'),
    );
  }
  return roots;
}

/** Every .rego file under the roots (a root may also be a single file), as opa loads them. */
async function regoFiles(roots: readonly string[]): Promise<string[]> {
  const files = await Promise.all(
    roots.map(async (root) => {
      if (!(await stat(root)).isDirectory()) return [root];
      const entries = await readdir(root, { recursive: true });
      return entries.map((entry) => join(root, entry));
    }),
  );
  return files.flat().filter((file) => file.endsWith('.rego'));
}

/**
 * Each file's package path without `data` (["xeroaccess", "checks", "user-identified"]), parsed
 * by opa itself in one process. A file that does not parse is left out: opa build and opa test
 * report it with their own, better error.
 */
async function packagesOf(files: readonly string[]): Promise<Record<string, string[]>> {
  if (files.length === 0) return {};
  const sources = await Promise.all(
    files.map(async (name) => ({ name, source: await readFile(name, 'utf8') })),
  );
  const query =
    '{f.name: [t.value | some t in array.slice(m.package.path, 1, count(m.package.path))] | ' +
    'some f in input.files; m := rego.parse_module(f.name, f.source)}';
  const run = await runOpa(['eval', '--format', 'raw', '--stdin-input', query], {
    stdin: JSON.stringify({ files: sources }),
  });
  if (run.exitCode !== 0)
    throw new Error(`opa eval (reading package names) failed:\n${run.stderr || run.stdout}`);
  return JSON.parse(run.stdout) as Record<string, string[]>;
}

/** `xeroaccess.checks.acme["adviser-limit"]`: names that are identifiers with a dot, others quoted. */
const packageName = (path: readonly string[]) =>
  path
    .map((name, i) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
        ? `${i === 0 ? '' : '.'}${name}`
        : `[${JSON.stringify(name)}]`,
    )
    .join('');
