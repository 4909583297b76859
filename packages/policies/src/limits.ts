import { totalmem } from 'node:os';

const MiB = 1024 * 1024;

/** WebAssembly pages are 64 KiB; a wasm32 memory holds at most 65,536 of them (4 GiB). */
export const WASM_PAGE_BYTES = 64 * 1024;
export const WASM32_MAX_MIB = 4096;

/** The least WebAssembly memory a policy may be given: the canary and small organisations fit. */
export const MIN_MEMORY_MIB = 16;

/**
 * The default share of the container's memory limit a policy module's WebAssembly memory may grow
 * to. The image caps the Node.js heap at half the limit (Dockerfile, --max-old-space-size-percentage);
 * half of the rest goes to the policy, the other quarter to code, buffers and the canary worker.
 */
export const MEMORY_SHARE = 0.25;

/** How long a new bundle's canary evaluation may take, by default. It takes milliseconds. */
export const DEFAULT_CANARY_TIMEOUT_MS = 5000;

/**
 * The most WebAssembly memory one policy module may grow to, in MiB: `POLICY_MEMORY_MAX_MIB` when
 * set, else a quarter of the container's memory limit (the cgroup's, else the machine's), at most
 * 4096 (all a wasm32 memory can address). WebAssembly memory never shrinks, and outside it the
 * Node.js heap and the process need their share: without a maximum, one large organisation or a
 * check that allocates without end gets the container OOM-killed, and then every restart too.
 * Measured: about 5.3 MiB per 1,000 users of an organisation (bench: 514 MiB for 100,000).
 */
export function defaultMaxMemoryMiB(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.POLICY_MEMORY_MAX_MIB;
  if (set !== undefined && set !== '')
    return wholeNumber('POLICY_MEMORY_MAX_MIB', set, MIN_MEMORY_MIB, WASM32_MAX_MIB, 'MiB');
  return memoryShareMiB(containerMemoryBytes());
}

/** A quarter of `limitBytes`, in whole MiB, between MIN_MEMORY_MIB and WASM32_MAX_MIB. */
export function memoryShareMiB(limitBytes: number): number {
  const share = Math.floor((limitBytes * MEMORY_SHARE) / MiB);
  return Math.min(WASM32_MAX_MIB, Math.max(MIN_MEMORY_MIB, share));
}

/** How long a new bundle's canary may evaluate: `POLICY_CANARY_TIMEOUT_MS` when set, else 5 s. */
export function defaultCanaryTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.POLICY_CANARY_TIMEOUT_MS;
  if (set === undefined || set === '') return DEFAULT_CANARY_TIMEOUT_MS;
  return wholeNumber('POLICY_CANARY_TIMEOUT_MS', set, 100, 600_000, 'ms');
}

/** Checks a limit given in code (an option) as the environment variables are checked. */
export function checkedLimit(
  name: string,
  value: number,
  min: number,
  max: number,
  unit: string,
): number {
  return wholeNumber(name, String(value), min, max, unit);
}

/** The cgroup's memory limit, or the machine's memory when there is none (0 or "unlimited"). */
function containerMemoryBytes(): number {
  const machine = totalmem();
  // 0 or 2^64 (Node.js versions differ) when the process has no limit of its own.
  const limit = process.constrainedMemory();
  return limit > 0 && limit < machine ? limit : machine;
}

function wholeNumber(name: string, text: string, min: number, max: number, unit: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max)
    throw new Error(
      `${name}: must be a whole number of ${unit} from ${min} to ${max}, not ${JSON.stringify(text)}`,
    );
  return value;
}
