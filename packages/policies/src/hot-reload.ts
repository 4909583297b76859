import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { bundleWarnings } from './bundle-warnings.js';
import { canaryInputs } from './canary.js';
import { PolicyEvaluator, messageOf, type PolicyEvaluation } from './evaluator.js';
import type { PolicyOutput } from './generated/policy-output.js';
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
}

export interface HotReloadEvents {
  loaded: [LoadedBundle];
  failed: [ReloadFailure];
}

export interface HotReloadOptions {
  /** How often the file is read and hashed. Polling, not fs.watch: ConfigMap volumes swap symlinks. */
  intervalMs?: number;
}

/**
 * An evaluator that follows a bundle file (bundle.tar.gz, with its data, or policy.wasm, e.g.
 * mounted from a ConfigMap). A changed file is loaded and evaluated on the canary inputs (every
 * built-in check fires on them; the output must validate) before it replaces the current policy;
 * when that fails, the last good policy stays in use and `failed` is emitted with the reason
 * (also kept as `lastError` until a later load succeeds).
 */
export class HotReloadingEvaluator extends EventEmitter<HotReloadEvents> {
  private evaluator: PolicyEvaluator;
  private bundle: LoadedBundle;
  private failure: ReloadFailure | undefined;
  /** The last content tried (good or bad), so a broken file is reported once, not every poll. */
  private lastSeen: string;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    evaluator: PolicyEvaluator,
    bundle: LoadedBundle,
  ) {
    super();
    this.evaluator = evaluator;
    this.bundle = bundle;
    this.lastSeen = bundle.sha256;
  }

  /** Loads the file (which must be good: there is nothing to fall back on yet) and starts polling. */
  static async start(path: string, options: HotReloadOptions = {}): Promise<HotReloadingEvaluator> {
    const bytes = await readFile(path);
    const { evaluator, revision, warnings } = await loadChecked(bytes, path);
    const watcher = new HotReloadingEvaluator(path, evaluator, {
      path,
      sha256: sha256(bytes),
      revision,
      warnings,
      loadedAt: new Date(),
    });
    watcher.timer = setInterval(() => void watcher.checkNow(), options.intervalMs ?? 2000);
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

  /** Reads the file now and reloads it if its content changed. */
  checkNow(): Promise<void> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      this.fail(undefined, `cannot read the bundle: ${messageOf(error)}`);
      return;
    }
    const hash = sha256(bytes);
    if (hash === this.lastSeen) return;
    this.lastSeen = hash;
    let loaded: Awaited<ReturnType<typeof loadChecked>>;
    try {
      loaded = await loadChecked(bytes, this.path);
    } catch (error) {
      this.fail(hash, messageOf(error));
      return;
    }
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

  private fail(hash: string | undefined, error: string): void {
    // A missing file is reported once until it changes (lastSeen marks "unreadable").
    if (hash === undefined) {
      if (this.lastSeen === 'unreadable') return;
      this.lastSeen = 'unreadable';
    }
    this.failure = { path: this.path, sha256: hash, error, at: new Date() };
    this.emit('failed', this.failure);
  }
}

/**
 * Loads the module with its data, then requires it to evaluate the canary with valid output
 * (findings and reevaluate_at, as the reconciler evaluates).
 */
async function loadChecked(
  bytes: Buffer,
  path: string,
): Promise<{ evaluator: PolicyEvaluator; revision: string | undefined; warnings: string[] }> {
  const bundle = policyBundleFrom(bytes, path);
  const evaluator = await PolicyEvaluator.fromBundle(bundle, path);
  for (const input of await canaryInputs()) {
    try {
      evaluator.evaluateWithReevaluation(input);
    } catch (error) {
      throw new Error(
        `${path}: the new policy fails on the canary input (examples/input.json): ${messageOf(error)}`,
      );
    }
  }
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
