/**
 * Run by bench/run.ts in a child process, once on the machine's Node.js and once on the image's:
 * the WASM evaluation of the realistic input for `users` users, as one JSON line on stdout.
 *   node --import tsx bench/wasm-on-node.ts <users> <runs> <warmup> <policy.wasm>
 */
import { PolicyEvaluator } from '../src/evaluator.js';
import { median } from '../src/profile/median.js';
import { realisticInput } from '../src/test/generate-input.js';
import { measureWasm } from './measure-wasm.js';

const [users, runs, warmup] = process.argv.slice(2, 5).map(Number);
const wasm = process.argv[5];
if (!users || !runs || warmup === undefined || Number.isNaN(warmup) || !wasm) {
  console.error('usage: wasm-on-node.ts <users> <runs> <warmup> <policy.wasm>');
  process.exit(2);
}
const evaluator = await PolicyEvaluator.fromFile(wasm);
const { wallMs, cpuMs } = measureWasm(evaluator, realisticInput(users), runs, warmup);
console.log(
  JSON.stringify({ node: process.version, users, wallMs: median(wallMs), cpuMs: median(cpuMs) }),
);
