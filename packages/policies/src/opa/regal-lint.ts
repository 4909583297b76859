import { join, relative, resolve } from 'node:path';
import { PACKAGE_DIR, POLICY_DIR, runTool } from './opa-tool.js';

/** The Regal settings of the shipped checks, which included folders are linted with too. */
export const REGAL_CONFIG = join(PACKAGE_DIR, '.regal', 'config.yaml');

/** Regal's exit code when it ran and found violations (1 is an error of its own). */
const VIOLATIONS_FOUND = 3;

interface RegalReport {
  violations?: {
    title: string;
    description: string;
    category: string;
    location?: { file?: string; row?: number; col?: number };
  }[];
}

/**
 * Lints included Rego folders with Regal (XAO_REGAL, .tools/bin/regal, then PATH), with the
 * settings of the shipped checks: one line per violation, `file:row:col: rule (category):
 * description`, none when the folders are clean. The shipped Rego is linted with them, as they
 * are built together (else their imports of `data.xeroaccess.lib…` are unresolved and the
 * entrypoint missing); only what Regal finds outside it is reported. Throws when Regal is not
 * found or fails to lint (a file that does not parse).
 */
export async function regalLint(include: readonly string[]): Promise<string[]> {
  if (include.length === 0) return [];
  const shipped = resolve(POLICY_DIR);
  const run = await runTool('regal', [
    'lint',
    '--format',
    'json',
    '--config-file',
    REGAL_CONFIG,
    shipped,
    ...include.map((folder) => resolve(folder)),
  ]);
  if (run.exitCode !== 0 && run.exitCode !== VIOLATIONS_FOUND)
    throw new Error(
      `regal lint failed (exit ${run.exitCode}):\n${(run.stderr || run.stdout).trim()}`,
    );
  let report: RegalReport;
  try {
    report = JSON.parse(run.stdout) as RegalReport;
  } catch {
    throw new Error(`regal lint printed no JSON report:\n${(run.stderr || run.stdout).trim()}`);
  }
  const inShipped = (file: string | undefined) =>
    file !== undefined && !relative(shipped, resolve(PACKAGE_DIR, file)).startsWith('..');
  const found = (report.violations ?? []).filter(({ location }) => !inShipped(location?.file));
  return found.map(({ title, description, category, location }) => {
    const where = location?.file
      ? `${location.file}:${location.row ?? 0}:${location.col ?? 0}: `
      : '';
    return `${where}${title} (${category}): ${description}`;
  });
}
