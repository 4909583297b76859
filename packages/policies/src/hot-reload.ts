import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { PolicyBundleError } from './bundle-error.js';
import { bundleWarnings } from './bundle-warnings.js';
import { passesCanary } from './canary.js';
import { PolicyEvaluator, messageOf, type PolicyEvaluation } from './evaluator.js';
import type { PolicyOutput } from './generated/policy-output.js';
import {
  checkedLimit,
  defaultCanaryTimeoutMs,
  defaultMaxMemoryMiB,
  MIN_MEMORY_MIB,
  WASM32_MAX_MIB,
} from './limits.js';
import { policyBundleFrom } from './wasm/read-bundle.js';

export interface LoadedBundle {
  path: string;
  sha256: string;
  /** The bundle's manifest revision (see PolicyBundle); undefined for a bare policy.wasm. */
  revision: string | undefined;
  /**
   * Why this bundle, though loaded, may not evaluate as this version of the package intends (built
   * by another version, or without the `xeroaccess/evaluation` entrypoint); empty when nothing is
   * wrong. See bundleWarnings.
   */
  warnings: string[];
  loadedAt: Date;
}

export interface ReloadFailure {
  path: string;
  /** Hash of the content that failed, or undefined when the file could not be read. */
  sha256: string | undefined;
  error: string;
  at: Date;
  /**
   * When the same content is tried again: set when the failure may pass (WebAssembly memory that
   * could not be allocated, a worker that could not start, the canary input unreadable), tried
   * again at growing intervals (the poll interval doubling, up to 5 minutes); undefined when the
   * bundle itself is at fault, which is not tried again until the file changes.
   */
  retryAt: Date | undefined;
}

export interface HotReloadEvents {
  loaded: [LoadedBundle];
  failed: [ReloadFailure];
}

export interface HotReloadOptions {
  /** How often the file is read and hashed. Polling, not fs.watch: ConfigMap volumes swap symlinks. */
  intervalMs?: number;
  /**
   * How long a new bundle's canary evaluation may take, in a worker thread, before the worker is
   * stopped and the bundle refused. Default: `POLICY_CANARY_TIMEOUT_MS`, else 5000.
   */
  canaryTimeoutMs?: number;
  /**
   * The most WebAssembly memory a policy may grow to, in MiB (16 to 4096). Default:
   * `POLICY_MEMORY_MAX_MIB`, else a quarter of the container's memory limit.
   */
  maxMemoryMiB?: number;
}

interface Limits {
  canaryTimeoutMs: number;
  maxMemoryMiB: number;
}

/** The longest wait before content whose load may pass is tried again. */
const MAX_RETRY_DELAY_MS = 5 * 60_000;
const RETRIED =
  'this may pass: the same file is tried again, at growing intervals up to 5 minutes, until it loads or changes';

/**
 * An evaluator that follows a bundle file (bundle.tar.gz, with its data, or policy.wasm, e.g.
 * mounted from a ConfigMap). A changed file is loaded and evaluated on the canary inputs in a
 * worker thread, within a time limit (every built-in check must report on them; the output must
 * validate) before it replaces the current policy; when that fails, the last good policy stays in
 * use and `failed` is emitted with the reason (also kept as `lastError` until a later load
 * succeeds). Evaluations themselves run in this thread.
 */
export class HotReloadingEvaluator extends EventEmitter<HotReloadEvents> {
  private evaluator: PolicyEvaluator;
  private bundle: LoadedBundle;
  private failure: ReloadFailure | undefined;
  /**
   * The last content loaded or refused for what it holds, so a broken file is reported once, not
   * every poll. Content whose load may pass when tried again is not recorded here (see `retry`).
   */
  private lastSeen: string;
  /** Content whose load failed in a way that may pass: tried again at `at`. */
  private retry: { sha256: string; attempts: number; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    evaluator: PolicyEvaluator,
    bundle: LoadedBundle,
    private readonly limits: Limits,
    private readonly intervalMs: number,
  ) {
    super();
    this.evaluator = evaluator;
    this.bundle = bundle;
    this.lastSeen = bundle.sha256;
  }

  /**
   * Loads the file (which must be good: there is nothing to fall back on yet) and starts polling.
   * Throws, naming the variable, when `POLICY_CANARY_TIMEOUT_MS` or `POLICY_MEMORY_MAX_MIB` is
   * invalid.
   */
  static async start(path: string, options: HotReloadOptions = {}): Promise<HotReloadingEvaluator> {
    const limits: Limits = {
      canaryTimeoutMs:
        options.canaryTimeoutMs === undefined
          ? defaultCanaryTimeoutMs()
          : checkedLimit('canaryTimeoutMs', options.canaryTimeoutMs, 100, 600_000, 'ms'),
      maxMemoryMiB:
        options.maxMemoryMiB === undefined
          ? defaultMaxMemoryMiB()
          : checkedLimit(
              'maxMemoryMiB',
              options.maxMemoryMiB,
              MIN_MEMORY_MIB,
              WASM32_MAX_MIB,
              'MiB',
            ),
    };
    const intervalMs = options.intervalMs ?? 2000;
    const bytes = await readFile(path);
    const { evaluator, revision, warnings } = await loadChecked(bytes, path, limits);
    const watcher = new HotReloadingEvaluator(
      path,
      evaluator,
      { path, sha256: sha256(bytes), revision, warnings, loadedAt: new Date() },
      limits,
      intervalMs,
    );
    watcher.timer = setInterval(() => void watcher.poll(), intervalMs);
    watcher.timer.unref();
    return watcher;
  }

  evaluate(input: unknown): PolicyOutput {
    return this.evaluator.evaluate(input);
  }

  evaluateWithReevaluation(input: unknown): PolicyEvaluation {
    return this.evaluator.evaluateWithReevaluation(input);
  }

  /** The policy in use. */
  get current(): PolicyEvaluator {
    return this.evaluator;
  }

  get loaded(): LoadedBundle {
    return this.bundle;
  }

  /** Why the newest content was refused, if it was; cleared by the next successful load. */
  get lastError(): ReloadFailure | undefined {
    return this.failure;
  }

  /**
   * Reads the file now and reloads it if its content changed (or its last load failed in a way
   * that may pass, without waiting for the retry time).
   */
  checkNow(): Promise<void> {
    return this.run(true);
  }

  /** What the timer does: as checkNow, but content whose load may pass waits for its retry time. */
  private poll(): Promise<void> {
    return this.run(false);
  }

  private run(now: boolean): Promise<void> {
    this.checking ??= this.check(now).finally(() => (this.checking = undefined));
    return this.checking;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(now: boolean): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      this.fail(undefined, `cannot read the bundle: ${messageOf(error)}`);
      return;
    }
    const hash = sha256(bytes);
    if (hash === this.lastSeen) return;
    const retry = this.retry?.sha256 === hash ? this.retry : undefined;
    if (retry && !now && Date.now() < retry.at) return;
    let loaded: Awaited<ReturnType<typeof loadChecked>>;
    try {
      loaded = await loadChecked(bytes, this.path, this.limits);
    } catch (error) {
      if (error instanceof PolicyBundleError) {
        // The content is at fault: refused until the file changes.
        this.lastSeen = hash;
        this.retry = undefined;
        this.fail(hash, error.message);
      } else {
        // May pass (memory short for a moment, say): the same content is tried again later.
        const attempts = (retry?.attempts ?? 0) + 1;
        const delay = Math.min(this.intervalMs * 2 ** attempts, MAX_RETRY_DELAY_MS);
        this.retry = { sha256: hash, attempts, at: Date.now() + delay };
        this.fail(hash, `${messageOf(error)} (${RETRIED})`, new Date(this.retry.at));
      }
      return;
    }
    this.lastSeen = hash;
    this.retry = undefined;
    this.evaluator = loaded.evaluator;
    this.bundle = {
      path: this.path,
      sha256: hash,
      revision: loaded.revision,
      warnings: loaded.warnings,
      loadedAt: new Date(),
    };
    this.failure = undefined;
    this.emit('loaded', this.bundle);
  }

  private fail(hash: string | undefined, error: string, retryAt?: Date): void {
    // A missing file is reported once until it changes (lastSeen marks "unreadable").
    if (hash === undefined) {
      if (this.lastSeen === 'unreadable') return;
      this.lastSeen = 'unreadable';
    }
    // A load that may pass is retried: reported again only when it fails otherwise.
    const previous = this.failure;
    const again = retryAt && previous?.sha256 === hash && previous?.error === error;
    this.failure = { path: this.path, sha256: hash, error, at: new Date(), retryAt };
    if (!again) this.emit('failed', this.failure);
  }
}

/**
 * Loads the module with its data, then requires it to evaluate the canary with valid output
 * (findings and reevaluate_at, as the reconciler evaluates), each built-in check reporting, in a
 * worker thread within `limits.canaryTimeoutMs`. Throws a PolicyBundleError when the bundle is at
 * fault, another Error when trying again may pass.
 */
async function loadChecked(
  bytes: Buffer,
  path: string,
  limits: Limits,
): Promise<{ evaluator: PolicyEvaluator; revision: string | undefined; warnings: string[] }> {
  const bundle = policyBundleFrom(bytes, path);
  // Loaded here first: a module or data this thread cannot load is refused before a worker starts.
  const evaluator = await PolicyEvaluator.fromBundle(bundle, path, {
    maxMemoryMiB: limits.maxMemoryMiB,
  });
  await passesCanary(bundle, path, {
    timeoutMs: limits.canaryTimeoutMs,
    maxMemoryMiB: limits.maxMemoryMiB,
  });
  return {
    evaluator,
    revision: bundle.revision,
    warnings: bundleWarnings(path, {
      revision: bundle.revision,
      hasEvaluation: evaluator.hasEvaluation,
    }),
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
