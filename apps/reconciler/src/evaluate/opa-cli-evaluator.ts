import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ReportedFinding } from '@xero-access/model';
import type { PolicyEvaluator } from './policy-evaluator.js';
import type { PolicyInput } from './policy-input.js';

const run = promisify(execFile);

/**
 * Evaluates the Rego sources with the OPA CLI (`opa eval`). A bridge for development when no
 * compiled WASM bundle is available; production uses the WASM evaluator of packages/policies.
 */
export class OpaCliEvaluator implements PolicyEvaluator {
  constructor(
    private readonly opaPath: string,
    private readonly regoDirectory: string,
  ) {}

  async evaluate(input: PolicyInput): Promise<{ findings: ReportedFinding[] }> {
    const child = run(
      this.opaPath,
      [
        'eval',
        '--format',
        'json',
        '--stdin-input',
        '--data',
        this.regoDirectory,
        'data.xeroaccess.result',
      ],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    child.child.stdin?.end(JSON.stringify(input));
    const { stdout } = await child;
    const parsed = JSON.parse(stdout) as {
      result?: { expressions: { value: { findings: ReportedFinding[] } }[] }[];
    };
    const value = parsed.result?.[0]?.expressions[0]?.value;
    if (!value)
      throw new Error('the policies produced no result (is data.xeroaccess.result defined?)');
    return { findings: value.findings };
  }
}
