import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { PolicyBundleError } from './bundle-error.js';
import type { PolicyInput } from './generated/policy-input.js';
import type { Finding, PolicyOutput } from './generated/policy-output.js';
import { repeatedFindings } from './schema/one-finding-per-subject.js';
import {
  assertPolicyInput,
  assertPolicyOutput,
  isTimestamp,
  PolicyDocumentError,
} from './schema/validate.js';
import { timestampMs } from './schema/timestamp-ms.js';
import {
  checkedLimit,
  defaultMaxMemoryMiB,
  MIN_MEMORY_MIB,
  WASM32_MAX_MIB,
  WASM_PAGE_BYTES,
} from './limits.js';
import { sortFindings } from './sort-findings.js';
import { readPolicyBundle, type PolicyBundle } from './wasm/read-bundle.js';

/** The rule every bundle must expose: `data.xeroaccess.result`, the output document. */
export const ENTRYPOINT = 'xeroaccess/result';

/**
 * The same findings unsorted (main.rego), for bundles without EVALUATION_ENTRYPOINT: preferred
 * to ENTRYPOINT because OPA's WASM `sort` is quadratic on unsorted input; the evaluator sorts
 * them as main.rego does.
 */
export const UNSORTED_ENTRYPOINT = 'xeroaccess/unsorted_findings';

/**
 * The unsorted findings and when to evaluate again (every check's `reevaluate_at`), from one
 * evaluation: copying the input into WASM is most of its cost. What the evaluator evaluates when
 * the bundle has it (bundles built before it lack it).
 */
export const EVALUATION_ENTRYPOINT = 'xeroaccess/evaluation';

/** The output document, and when evaluating the same input again may report other findings. */
export interface PolicyEvaluation {
  output: PolicyOutput;
  /**
   * The earliest `reevaluate_at` of any check that is not before `input.now`, rounded up to the
   * millisecond; null when no check gave one, or the bundle has no EVALUATION_ENTRYPOINT.
   */
  reevaluateAt: Date | null;
}

/** 64 KiB pages reserved up front: growing page by page while parsing a large input is slow. */
const INITIAL_MEMORY_PAGES = 1024;

/**
 * The most output the evaluator reads from the module: 96,039 findings (100,000 users, no staff
 * directory) are 35 MiB. More is a check gone wrong, and parsing it could exhaust the heap.
 */
export const DEFAULT_MAX_OUTPUT_MIB = 64;

const MiB = 1024 * 1024;

export interface EvaluatorOptions {
  /**
   * The most WebAssembly memory the module may grow to, in MiB (16 to 4096). Default:
   * `POLICY_MEMORY_MAX_MIB`, else a quarter of the container's memory limit (defaultMaxMemoryMiB).
   * An evaluation that needs more fails, naming the limit; the process lives on.
   */
  maxMemoryMiB?: number;
  /** The most output (JSON, in MiB) an evaluation may give before it is parsed. Default 64. */
  maxOutputMiB?: number;
}

/** The exports of OPA's WASM ABI (1.2+) the evaluator calls itself, as opa-wasm's evaluate does. */
interface OpaExports {
  opa_eval(
    reserved: number,
    entrypoint: number,
    data: number,
    input: number,
    inputLength: number,
    heap: number,
    format: number,
  ): number;
}

/** Evaluates the compiled checks. Validates the input before and the output after. */
export class PolicyEvaluator {
  private constructor(
    private readonly policy: LoadedPolicy,
    /** Where the module came from, for messages. */
    readonly source: string,
    /** Whether the bundle has UNSORTED_ENTRYPOINT (bundles built before it had only ENTRYPOINT). */
    private readonly hasUnsorted: boolean,
    /**
     * Whether the bundle has EVALUATION_ENTRYPOINT: without it (bundles built before it), no
     * check's `reevaluate_at` is read.
     */
    readonly hasEvaluation: boolean,
    /** The most WebAssembly memory the module may grow to, in MiB. */
    readonly maxMemoryMiB: number,
    private readonly maxOutputBytes: number,
  ) {}

  /** Loads `policy.wasm` or an OPA bundle (`bundle.tar.gz`, with its data) from a file. */
  static async fromFile(path: string, options: EvaluatorOptions = {}): Promise<PolicyEvaluator> {
    return PolicyEvaluator.fromBundle(await readPolicyBundle(path), path, options);
  }

  /** A bare module: no data, so rules reading `data` beyond the policy see nothing there. */
  static async fromWasm(
    wasm: Buffer,
    source = 'policy.wasm',
    options: EvaluatorOptions = {},
  ): Promise<PolicyEvaluator> {
    return PolicyEvaluator.fromBundle({ wasm, data: undefined }, source, options);
  }

  /**
   * The module, given the bundle's data document (`/data.json`) when there is one. Throws a
   * PolicyBundleError when the bundle is at fault, another Error when loading may pass if tried
   * again (WebAssembly memory that could not be allocated).
   */
  static async fromBundle(
    { wasm, data }: PolicyBundle,
    source = 'bundle.tar.gz',
    options: EvaluatorOptions = {},
  ): Promise<PolicyEvaluator> {
    const maxMemoryMiB =
      options.maxMemoryMiB === undefined
        ? defaultMaxMemoryMiB()
        : checkedLimit('maxMemoryMiB', options.maxMemoryMiB, MIN_MEMORY_MIB, WASM32_MAX_MIB, 'MiB');
    const maxOutputMiB = checkedLimit(
      'maxOutputMiB',
      options.maxOutputMiB ?? DEFAULT_MAX_OUTPUT_MIB,
      1,
      WASM32_MAX_MIB,
      'MiB',
    );
    const maximum = (maxMemoryMiB * MiB) / WASM_PAGE_BYTES;
    let policy: LoadedPolicy;
    try {
      policy = await loadPolicy(wasm, {
        initial: Math.min(INITIAL_MEMORY_PAGES, maximum),
        maximum,
      });
    } catch (error) {
      // A RangeError: the memory could not be allocated (address space, the system's memory), which
      // may pass. Anything else (CompileError, LinkError, a trap, OPA's own abort) is the module's.
      const Refusal = error instanceof RangeError ? Error : PolicyBundleError;
      throw new Refusal(`${source}: cannot load the policy module: ${messageOf(error)}`);
    }
    const entrypoints = Object.keys(policy.entrypoints as Record<string, number>);
    if (!entrypoints.includes(ENTRYPOINT)) {
      throw new PolicyBundleError(
        `${source}: no entrypoint ${ENTRYPOINT} (has ${entrypoints.join(', ') || 'none'}); build with \`opa build -t wasm -e ${ENTRYPOINT}\``,
      );
    }
    if (data) {
      try {
        policy.setData(data);
      } catch (error) {
        throw new PolicyBundleError(
          `${source}: cannot load the bundle's /data.json: ${memoryProblem(error, maxMemoryMiB)}`,
        );
      }
    }
    return new PolicyEvaluator(
      policy,
      source,
      entrypoints.includes(UNSORTED_ENTRYPOINT),
      entrypoints.includes(EVALUATION_ENTRYPOINT),
      maxMemoryMiB,
      maxOutputMiB * MiB,
    );
  }

  /**
   * Validates `input` (throws PolicyDocumentError naming the field), evaluates, validates the
   * output: `evaluateWithReevaluation(input).output`, so a check's malformed `reevaluate_at`
   * fails this too.
   */
  evaluate(input: unknown): PolicyOutput {
    return this.evaluateWithReevaluation(input).output;
  }

  /**
   * As `evaluate`, plus when to evaluate the same input again (`reevaluateAt`), in one evaluation.
   * Throws a PolicyDocumentError naming the check when a check's `reevaluate_at` is not a set of
   * RFC 3339 timestamps.
   */
  evaluateWithReevaluation(input: unknown): PolicyEvaluation {
    const raw = this.evaluateRaw(assertPolicyInput(input));
    const { reevaluate_at, invalid_reevaluate_at, ...document } = isObject(raw) ? raw : {};
    return {
      output: validOutput(isObject(raw) ? document : raw),
      reevaluateAt: validReevaluateAt(reevaluate_at, invalid_reevaluate_at),
    };
  }

  /**
   * EVALUATION_ENTRYPOINT's document (findings, reevaluate_at and, when a check's is malformed,
   * invalid_reevaluate_at) with its findings sorted, and no validation: what every evaluation
   * starts from, and what the equivalence tests and benchmarks compare. A bundle without that
   * entrypoint gives `{findings, reevaluate_at: null}`.
   */
  evaluateRaw(input: PolicyInput): unknown {
    if (this.hasEvaluation) {
      const evaluation = this.evaluateEntrypoint(input, EVALUATION_ENTRYPOINT);
      return isObject(evaluation)
        ? { ...evaluation, ...sortedOutput(evaluation.findings) }
        : evaluation;
    }
    const output = this.hasUnsorted
      ? sortedOutput(this.evaluateEntrypoint(input, UNSORTED_ENTRYPOINT))
      : this.evaluateEntrypoint(input, ENTRYPOINT);
    return isObject(output) ? { ...output, reevaluate_at: null } : output;
  }

  private evaluateEntrypoint(input: PolicyInput, entrypoint: string): unknown {
    let results: unknown;
    try {
      results = this.evaluateJson(Buffer.from(JSON.stringify(input), 'utf8'), entrypoint);
    } catch (error) {
      throw new Error(
        `${this.source}: evaluation failed: ${memoryProblem(error, this.maxMemoryMiB)}`,
      );
    }
    const [first] = (results as { result?: unknown }[] | undefined) ?? [];
    if (!first || !('result' in first)) {
      throw new Error(
        `${this.source}: ${entrypoint} is undefined for this input (a rule failed to evaluate)`,
      );
    }
    return first.result;
  }

  /**
   * opa-wasm's `evaluate` (ABI 1.2+: input copied after the data, one opa_eval call), except that
   * the output's length is checked before it is decoded and parsed, and found with a native scan.
   */
  private evaluateJson(input: Buffer, entrypoint: string): unknown {
    const policy = this.policy;
    if (!(Number(policy.minorVersion) >= 2))
      return policy.evaluate(arrayBufferOf(input), entrypoint);
    const id = (policy.entrypoints as Record<string, number>)[entrypoint];
    if (id === undefined) throw new Error(`entrypoint ${entrypoint} is not valid in this instance`);
    const instance =
      'instance' in policy.wasmInstance ? policy.wasmInstance.instance : policy.wasmInstance;
    const memory = policy.mem;
    const inputAddress = policy.dataHeapPtr as number;
    const short = inputAddress + input.length - memory.buffer.byteLength;
    if (short > 0) memory.grow(Math.ceil(short / WASM_PAGE_BYTES));
    new Uint8Array(memory.buffer).set(input, inputAddress);
    const address = (instance.exports as unknown as OpaExports).opa_eval(
      0,
      id,
      policy.dataAddr,
      inputAddress,
      input.length,
      inputAddress + input.length,
      0,
    );
    const bytes = new Uint8Array(memory.buffer);
    const end = bytes.indexOf(0, address);
    const length = (end < 0 ? bytes.length : end) - address;
    if (length > this.maxOutputBytes)
      throw new Error(
        `its output is ${(length / MiB).toFixed(1)} MiB, more than the ${this.maxOutputBytes / MiB} MiB ` +
          'the evaluator reads (maxOutputMiB): a check reports far too much',
      );
    return JSON.parse(Buffer.from(bytes.buffer, address, length).toString('utf8'));
  }
}

/**
 * The error's message, saying so when the module ran out of the WebAssembly memory it may use:
 * OPA's allocator aborts ("opa_malloc: ..."), or growing the memory for the input fails.
 */
function memoryProblem(error: unknown, maxMemoryMiB: number): string {
  const message = messageOf(error);
  const outOfMemory =
    /opa_malloc|out of memory/i.test(message) ||
    (error instanceof RangeError && /memory/i.test(message));
  return outOfMemory
    ? `the policy needs more than the ${maxMemoryMiB} MiB of WebAssembly memory it may use ` +
        `(POLICY_MEMORY_MAX_MIB, by default a quarter of the container's memory limit): ${message}`
    : message;
}

/** Findings sorted as main.rego sorts them; anything else is left to the output validation to name. */
function sortedOutput(findings: unknown): { findings: unknown } {
  if (!Array.isArray(findings) || !findings.every(isSortable)) return { findings };
  return { findings: sortFindings(findings) };
}

/** The output validated, with each finding's keys in a fixed order. */
function validOutput(raw: unknown): PolicyOutput {
  const output = assertOutputNamingChecks(raw);
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

/**
 * The evaluation's `reevaluate_at` as a Date, rounded up to the millisecond (so it is never before
 * the time the check meant); a leap second is the second after it, as the Rego reads it. `invalid` is main.rego's `invalid_reevaluate_at`: {check id: entries}.
 */
function validReevaluateAt(value: unknown, invalid: unknown): Date | null {
  const field = 'output.reevaluate_at';
  if (isObject(invalid) && Object.keys(invalid).length > 0) {
    throw new PolicyDocumentError(
      'output',
      Object.entries(invalid).map(([check, entries]) => ({
        field,
        problem: `must be a set of RFC 3339 timestamps, e.g. "2026-11-22T00:00:00Z"; not ${shown(entries)} (from check ${check})`,
      })),
    );
  }
  if (value === null || value === undefined) return null;
  if (!isTimestamp(value)) {
    throw new PolicyDocumentError('output', [
      { field, problem: `must be an RFC 3339 timestamp or null, not ${shown([value])}` },
    ]);
  }
  // Date.parse alone gives NaN for a leap second, and the reconciler's status write a RangeError.
  const ms = timestampMs(value);
  const subMillisecond = /\.\d{3}(\d+)/.exec(value)?.[1] ?? '';
  return new Date(/[1-9]/.test(subMillisecond) ? ms + 1 : ms);
}

/** A few entries, each cut short: a custom check may emit anything. */
function shown(entries: unknown): string {
  const list = Array.isArray(entries) ? entries : [entries];
  const items = list.slice(0, 3).map((entry) => {
    const text = JSON.stringify(entry) ?? String(entry);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  });
  if (list.length > items.length) items.push(`and ${list.length - items.length} more`);
  return items.join(', ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  // Large strings get a buffer of their own; small ones share Node's pool and must be copied.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    return bytes.buffer as ArrayBuffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
