import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder to `--include` holding a custom check whose limit lives in a data file, as a platform
 * team keeps its settings: `xeroaccess/config/data.json` becomes `data.xeroaccess.config`, which
 * `opa build` writes to the bundle's /data.json, not into policy.wasm.
 */
export async function adviserCapReadingData(maxAdvisers: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'xao-data-check-'));
  await mkdir(join(dir, 'xeroaccess', 'checks', 'adviser-cap'), { recursive: true });
  await mkdir(join(dir, 'xeroaccess', 'config'), { recursive: true });
  await writeFile(
    join(dir, 'xeroaccess', 'config', 'data.json'),
    JSON.stringify({ max_advisers: maxAdvisers }),
  );
  await writeFile(
    join(dir, 'xeroaccess', 'checks', 'adviser-cap', 'check.rego'),
    [
      'package xeroaccess.checks["adviser-cap"]',
      '',
      'import data.xeroaccess.lib.identity',
      '',
      'advisers := [user | some user in identity.live_users; user.organisationRole == "FINANCIALADVISER"]',
      '',
      'findings contains finding if {',
      '\tcount(advisers) > data.xeroaccess.config.max_advisers',
      '\tid := concat("/", [input.connection.namespace, input.connection.name])',
      '\tfinding := {"severity": "low", "subject": {"kind": "connection", "id": id}, "message": "too many advisers", "remediation": "lower max_advisers"}',
      '}',
      '',
    ].join('\n'),
  );
  return dir;
}
