/**
 * The canary evaluation of a new bundle (canary.ts, passesCanary), in a worker thread: loads the
 * module, says so, evaluates each canary input as the reconciler evaluates (output validated) and
 * answers with the checks that reported. The parent terminates it when it takes too long.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PolicyBundleError } from './bundle-error.js';
import type { CanaryMessage, CanaryWork } from './canary.js';
import { messageOf, PolicyEvaluator } from './evaluator.js';

const post = (message: CanaryMessage) => parentPort?.postMessage(message);

async function main({ wasm, data, source, inputs, maxMemoryMiB }: CanaryWork): Promise<void> {
  let evaluator: PolicyEvaluator;
  try {
    const module = Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength);
    evaluator = await PolicyEvaluator.fromBundle({ wasm: module, data }, source, { maxMemoryMiB });
  } catch (error) {
    post({
      kind: 'failed',
      error: messageOf(error),
      bundleAtFault: error instanceof PolicyBundleError,
    });
    return;
  }
  post({ kind: 'evaluating' });
  const checks = new Set<string>();
  for (const input of inputs) {
    try {
      for (const { check } of evaluator.evaluateWithReevaluation(input).output.findings)
        checks.add(check);
    } catch (error) {
      post({
        kind: 'failed',
        error: `${source}: the new policy fails on the canary input (examples/input.json): ${messageOf(error)}`,
        bundleAtFault: true,
      });
      return;
    }
  }
  post({ kind: 'done', checks: [...checks] });
}

void main(workerData as CanaryWork);
