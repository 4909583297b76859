import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import type { PolicyInput } from './generated/policy-input.js';
import type { Finding, PolicyOutput } from './generated/policy-output.js';
import { repeatedFindings } from './schema/one-finding-per-subject.js';
import { assertPolicyInput, assertPolicyOutput, PolicyDocumentError } from './schema/validate.js';
import { sortFindings } from './sort-findings.js';
import { readPolicyBundle, type PolicyBundle } from './wasm/read-bundle.js';

/** The rule every bundle must expose: `data.xeroaccess.result`, the output document. */
export const ENTRYPOINT = 'xeroaccess/result';

/**
 * The same findings unsorted (main.rego): preferred when the bundle has it, because OPA's WASM
 * `sort` is quadratic on unsorted input; the evaluator sorts them as main.rego does.
 */
export const UNSORTED_ENTRYPOINT = 'xeroaccess/unsorted_findings';

/** 64 KiB pages reserved up front: growing page by page while parsing a large input is slow. */
const INITIAL_MEMORY_PAGES = 1024;

/** Evaluates the compiled checks. Validates the input before and the output after. */
export class PolicyEvaluator {
  private constructor(
    private readonly policy: LoadedPolicy,
    /** Where the module came from, for messages. */
    readonly source: string,
    /** Whether the bundle has UNSORTED_ENTRYPOINT (bundles built before it had only ENTRYPOINT). */
    private readonly hasUnsorted: boolean,
  ) {}

  /** Loads `policy.wasm` or an OPA bundle (`bundle.tar.gz`, with its data) from a file. */
  static async fromFile(path: string): Promise<PolicyEvaluator> {
    return PolicyEvaluator.fromBundle(await readPolicyBundle(path), path);
  }

  /** A bare module: no data, so rules reading `data` beyond the policy see nothing there. */
  static async fromWasm(wasm: Buffer, source = 'policy.wasm'): Promise<PolicyEvaluator> {
    return PolicyEvaluator.fromBundle({ wasm, data: undefined }, source);
  }

  /** The module, given the bundle's data document (`/data.json`) when there is one. */
  static async fromBundle(
    { wasm, data }: PolicyBundle,
    source = 'bundle.tar.gz',
  ): Promise<PolicyEvaluator> {
    let policy: LoadedPolicy;
    try {
      policy = await loadPolicy(wasm, { initial: INITIAL_MEMORY_PAGES });
    } catch (error) {
      throw new Error(`${source}: cannot load the policy module: ${messageOf(error)}`);
    }
    const entrypoints = Object.keys(policy.entrypoints as Record<string, number>);
    if (!entrypoints.includes(ENTRYPOINT)) {
      throw new Error(
        `${source}: no entrypoint ${ENTRYPOINT} (has ${entrypoints.join(', ') || 'none'}); build with \`opa build -t wasm -e ${ENTRYPOINT}\``,
      );
    }
    if (data) {
      try {
        policy.setData(data);
      } catch (error) {
        throw new Error(`${source}: cannot load the bundle's /data.json: ${messageOf(error)}`);
      }
    }
    return new PolicyEvaluator(policy, source, entrypoints.includes(UNSORTED_ENTRYPOINT));
  }

  /** Validates `input` (throws PolicyDocumentError naming the field), evaluates, validates the output. */
  evaluate(input: unknown): PolicyOutput {
    return this.evaluateValid(assertPolicyInput(input));
  }

  /**
   * Evaluates an input already known to be valid (e.g. just validated by the caller, or from
   * `assertPolicyInput`); the output is still validated, because custom checks can emit anything.
   */
  evaluateValid(input: PolicyInput): PolicyOutput {
    const output = assertOutputNamingChecks(this.evaluateRaw(input));
    // WASM objects come back in hash order; a fixed key order reads better in logs and the CLI.
    return {
      findings: output.findings.map(({ check, severity, subject, message, remediation }) => ({
        check,
        severity,
        subject: { kind: subject.kind, id: subject.id },
        message,
        remediation,
      })),
    };
  }

  /** The output document with no validation at all: for equivalence tests and benchmarks. */
  evaluateRaw(input: PolicyInput): unknown {
    if (!this.hasUnsorted) return this.evaluateEntrypoint(input, ENTRYPOINT);
    const findings = this.evaluateEntrypoint(input, UNSORTED_ENTRYPOINT);
    // Anything but an array of findings is left to the output validation to name.
    if (!Array.isArray(findings) || !findings.every(isSortable)) return { findings };
    return { findings: sortFindings(findings) };
  }

  private evaluateEntrypoint(input: PolicyInput, entrypoint: string): unknown {
    let results: unknown;
    try {
      results = this.policy.evaluate(utf8ArrayBuffer(JSON.stringify(input)), entrypoint);
    } catch (error) {
      throw new Error(`${this.source}: evaluation failed: ${messageOf(error)}`);
    }
    const [first] = (results as { result?: unknown }[] | undefined) ?? [];
    if (!first || !('result' in first)) {
      throw new Error(
        `${this.source}: ${entrypoint} is undefined for this input (a rule failed to evaluate)`,
      );
    }
    return first.result;
  }
}

/** Sorting compares these strings; a finding without them is reported by the output validation. */
function isSortable(finding: unknown): finding is Finding {
  const f = finding as Partial<Record<keyof Finding, unknown>> | null;
  const subject = f?.subject as Partial<Record<'kind' | 'id', unknown>> | null | undefined;
  return (
    typeof f?.check === 'string' &&
    typeof f.message === 'string' &&
    typeof f.remediation === 'string' &&
    typeof f.severity === 'string' &&
    typeof subject?.id === 'string' &&
    typeof subject.kind === 'string'
  );
}

/**
 * Output validation whose problems also say which check produced the bad finding, and which
 * refuses a check reporting one subject twice (the database would keep only the first).
 */
function assertOutputNamingChecks(raw: unknown): PolicyOutput {
  const output = assertSchemaNamingChecks(raw);
  const repeated = repeatedFindings(output.findings);
  if (repeated.length > 0) throw new PolicyDocumentError('output', repeated);
  return output;
}

function assertSchemaNamingChecks(raw: unknown): PolicyOutput {
  try {
    return assertPolicyOutput(raw);
  } catch (error) {
    if (!(error instanceof PolicyDocumentError)) throw error;
    const findings = (raw as { findings?: { check?: unknown }[] } | null)?.findings;
    throw new PolicyDocumentError(
      'output',
      error.problems.map(({ field, problem }) => {
        const index = /^output\.findings\[(\d+)\]/.exec(field)?.[1];
        const check =
          index === undefined || !Array.isArray(findings)
            ? undefined
            : findings[Number(index)]?.check;
        return {
          field,
          problem: typeof check === 'string' ? `${problem} (from check ${check})` : problem,
        };
      }),
    );
  }
}

/** opa-wasm copies an ArrayBuffer straight into its memory; Buffer.from beats TextEncoder. */
function utf8ArrayBuffer(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, 'utf8');
  // Large strings get a buffer of their own; small ones share Node's pool and must be copied.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    return bytes.buffer as ArrayBuffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
