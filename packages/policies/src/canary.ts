import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { PolicyBundleError } from './bundle-error.js';
import { messageOf } from './evaluator.js';
import type { PolicyInput } from './generated/policy-input.js';
import { assertPolicyInput } from './schema/validate.js';
import type { PolicyBundle } from './wasm/read-bundle.js';

/** The example organisation the README shows (shipped with the package, read from src/ or dist/). */
const EXAMPLE_INPUT = new URL('../examples/input.json', import.meta.url);

/** The checks every bundle must hold: each reports on the canary inputs. */
export const BUILT_IN_CHECKS: readonly string[] = [
  'critical-system-access-configured',
  'critical-system-access-valid',
  'offboarded-access-removed',
  'user-identified',
];

const read = new Map<string, Promise<PolicyInput[]>>();

/**
 * What a new bundle must evaluate, with valid output, before it is used: the example
 * organisation (users, staff and links on which user-identified, offboarded-access-removed and
 * critical-system-access-valid fire) and the same organisation with no role mappings (on which
 * critical-system-access-configured fires). So a custom check that goes wrong per user, per
 * staff member or per connection is caught here, not in every later evaluation, and a bundle
 * without one of the built-in checks is caught by its missing findings. Read once; a read that
 * fails is not kept, so the next load reads the file again.
 */
export function canaryInputs(file: URL | string = EXAMPLE_INPUT): Promise<PolicyInput[]> {
  const key = String(file);
  let inputs = read.get(key);
  if (!inputs) {
    const reading = readFile(file, 'utf8').then((text) => {
      const example = assertPolicyInput(JSON.parse(text));
      const unmapped = { ...example.connection };
      delete unmapped.accessControl;
      return [example, { ...example, connection: unmapped }];
    });
    reading.catch(() => {
      if (read.get(key) === reading) read.delete(key);
    });
    read.set(key, reading);
    inputs = reading;
  }
  return inputs;
}

export interface CanaryLimits {
  /** How long the canary evaluation may take (from when the worker has loaded the module). */
  timeoutMs: number;
  /** The WebAssembly memory the module may grow to, as for the evaluations that follow. */
  maxMemoryMiB: number;
}

/** What the canary worker is given (structured-cloned). */
export interface CanaryWork {
  wasm: Uint8Array;
  data: Record<string, unknown> | undefined;
  source: string;
  inputs: PolicyInput[];
  maxMemoryMiB: number;
}

/** What the canary worker answers. */
export type CanaryMessage =
  | { kind: 'evaluating' }
  | { kind: 'done'; checks: string[] }
  | { kind: 'failed'; error: string; bundleAtFault: boolean };

/**
 * The worker's JavaScript heap (it uses about 15 MB: the module's data, the canary's small output,
 * the schemas): a check whose output, or whose builtins run in JavaScript, take far more is stopped.
 */
const WORKER_HEAP_MB = 128;

/** How long the worker may take to start and load the module before the canary is evaluated. */
const WORKER_START_LIMIT_MS = 60_000;

/**
 * Evaluates the canary inputs with `bundle` in a worker thread, so that a check that loops or
 * allocates without end cannot block this thread (the reconciler's Lease renewal, its health
 * endpoints) or exhaust its memory: past `timeoutMs` the worker is terminated. Resolves when every
 * evaluation succeeded with valid output and each of BUILT_IN_CHECKS reported. Rejects with a
 * PolicyBundleError when the bundle is at fault, with another Error when trying again may pass.
 */
export async function passesCanary(
  bundle: PolicyBundle,
  source: string,
  limits: CanaryLimits,
): Promise<void> {
  let inputs: PolicyInput[];
  try {
    inputs = await canaryInputs();
  } catch (error) {
    throw new Error(
      `${source}: cannot read the canary input (examples/input.json): ${messageOf(error)}`,
    );
  }
  const checks = await evaluateInWorker(
    { wasm: bundle.wasm, data: bundle.data, source, inputs, maxMemoryMiB: limits.maxMemoryMiB },
    limits.timeoutMs,
  );
  const missing = BUILT_IN_CHECKS.filter((check) => !checks.includes(check));
  if (missing.length > 0)
    throw new PolicyBundleError(
      `${source}: the new policy reports nothing for the built-in ${missing.length === 1 ? 'check' : 'checks'} ` +
        `${missing.join(', ')} on the canary input (examples/input.json), on which each of the four reports: ` +
        'the next sync would resolve every open finding of those checks and end their accepted risks. ' +
        'Build the bundle with `xero-policies build --include <your checks>`, which keeps the built-in checks',
    );
}

function evaluateInWorker(work: CanaryWork, timeoutMs: number): Promise<string[]> {
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = new Worker(
    new URL(fromSource ? './canary-worker.ts' : './canary-worker.js', import.meta.url),
    {
      workerData: work,
      // Run from the TypeScript source (tests, tsx), the worker needs tsx to load it too.
      ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    },
  );
  const { source } = work;
  return new Promise<string[]>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { error: Error } | { checks: string[] }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker
        .terminate()
        .catch(() => undefined)
        .then(() => ('error' in outcome ? reject(outcome.error) : resolve(outcome.checks)));
    };
    let timer = setTimeout(
      () =>
        settle({
          error: new Error(
            `${source}: the canary worker did not load the module within ${WORKER_START_LIMIT_MS / 1000} s`,
          ),
        }),
      WORKER_START_LIMIT_MS,
    );
    worker.on('message', (message: CanaryMessage) => {
      if (message.kind === 'evaluating') {
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            settle({
              error: new PolicyBundleError(
                `${source}: the new policy did not finish evaluating the canary input (examples/input.json) ` +
                  `within ${timeoutMs / 1000} s (POLICY_CANARY_TIMEOUT_MS), so it was stopped: a check loops ` +
                  'or does far too much work',
              ),
            }),
          timeoutMs,
        );
      } else if (message.kind === 'done') {
        settle({ checks: message.checks });
      } else {
        const Failure = message.bundleAtFault ? PolicyBundleError : Error;
        settle({ error: new Failure(message.error) });
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      settle({
        error:
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new PolicyBundleError(
                `${source}: the new policy ran out of memory evaluating the canary input (examples/input.json): ` +
                  `it took more than the ${WORKER_HEAP_MB} MB of JavaScript heap the canary worker may use`,
              )
            : new Error(`${source}: the canary worker failed: ${messageOf(error)}`),
      });
    });
    worker.on('exit', (code) =>
      settle({ error: new Error(`${source}: the canary worker stopped (exit code ${code})`) }),
    );
  });
}
