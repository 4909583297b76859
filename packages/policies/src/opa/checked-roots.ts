import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { POLICY_DIR, policyRoots, runOpa } from './opa-tool.js';

const CHECKS = ['xeroaccess', 'checks'];

/**
 * The Rego folders of a build or test run (the checks plus `include`), refused when
 *
 * - a package sits more than one level under `xeroaccess.checks`: the entrypoint reads only
 *   `data.xeroaccess.checks[check].findings`, so such a check would compile, pass its tests and
 *   never report anything;
 * - an included file declares a package of the shipped Rego (a built-in check such as
 *   `xeroaccess.checks["user-identified"]`, its tests, `xeroaccess.lib.identity`…): opa merges
 *   the rules of one package from every file, so its findings would be reported as the built-in
 *   check's, or it would change what the built-in checks compute;
 * - with included folders, `opa check --strict` over all the Rego finds a problem (an unused
 *   variable or import, a shadowed name…), as `npm run lint` does for the shipped Rego.
 */
export async function checkedPolicyRoots(include: readonly string[] = []): Promise<string[]> {
  const roots = policyRoots(include.map((dir) => resolve(dir)));
  const shipped = new Set(await regoFiles([POLICY_DIR]));
  const packages = await packagesOf(await regoFiles(roots));
  const nested = Object.entries(packages).filter(
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
  const shippedPackages = new Set(
    Object.entries(packages).flatMap(([file, path]) =>
      shipped.has(file) ? [packageName(path)] : [],
    ),
  );
  const taken = Object.entries(packages).filter(
    ([file, path]) => !shipped.has(file) && shippedPackages.has(packageName(path)),
  );
  if (taken.length > 0) {
    throw new Error(
      [
        'included Rego declares packages of the shipped Rego, into which opa would merge its rules:',
        ...taken.map(([file, path]) => `  ${file}: package ${packageName(path)}${builtIn(path)}`),
        'A custom check needs a check id of its own (`package xeroaccess.checks["<check-id>"]`),',
        'its tests and shared Rego packages of their own (e.g. `xeroaccess.lib.<team>`).',
      ].join('\n'),
    );
  }
  if (include.length > 0) await checkStrict(roots);
  return roots;
}

/** ` (the built-in check user-identified)` for a shipped check's package (or its tests'). */
function builtIn(path: readonly string[]): string {
  const isCheck = path.length === CHECKS.length + 1 && CHECKS.every((name, i) => path[i] === name);
  if (!isCheck) return '';
  const id = path[CHECKS.length]!;
  return id.endsWith('_test')
    ? ` (the tests of the built-in check ${id.slice(0, -'_test'.length)})`
    : ` (the built-in check ${id})`;
}

/** `opa check --strict` over every root, tests included; throws with opa's own report. */
async function checkStrict(roots: readonly string[]): Promise<void> {
  const run = await runOpa(['check', '--strict', ...roots]);
  if (run.exitCode !== 0)
    throw new Error(
      `opa check --strict found problems in the Rego (the checks and the --include folders):\n` +
        (run.stderr || run.stdout).trim(),
    );
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
 * by opa itself in one process. A file that does not parse is left out: opa check (with included
 * folders), opa build and opa test report it with their own, better error.
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
