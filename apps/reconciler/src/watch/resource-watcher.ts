import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { withAcceptHeader } from '../kube/accept-header.js';
import { describeKubeError, httpStatusOf } from '../kube/http-status.js';
import { objectKey } from '../kube/object-key.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ListPage<T> {
  items: T[];
  resourceVersion: string;
  continueToken?: string;
}

export interface ResourceWatcherOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. `/apis/xeroaccess.dev/v1alpha1/xeroconnections` (all namespaces). */
  path: string;
  /** One page of the collection (consistent read when resourceVersion is absent). */
  list(continueToken: string | undefined, limit: number): Promise<ListPage<T>>;
  /** `previous`: the cached object a MODIFIED replaces (for predicates such as generation-changed). */
  onEvent(type: WatchEventType, object: T, previous?: T): void;
  /** Every `resyncMs`, all cached objects: level-triggered controllers re-check everything. */
  onResync?(objects: T[]): void;
  resyncMs?: number;
  pageSize?: number;
  /** Server-side watch timeout; a random value in [t, 2t] spreads reconnects. */
  watchTimeoutSeconds?: number;
  backoff?: BackoffPolicy;
  /** Accept header of the watch, e.g. metadata only (PartialObjectMetadata) for Secrets. */
  watchAccept?: string;
  /** Applied to every listed or watched object before it is cached and reported (trim what is not needed). */
  transform?(object: T): T;
  logger: Logger;
}

type SessionEnd = { kind: 'closed' } | { kind: 'gone' } | { kind: 'failed'; error: unknown };

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000, jitter: 0.2 };
/** A watch that ends sooner than this without events counts as a failure (no hot loop). */
const MIN_HEALTHY_SESSION_MS = 1_000;

/**
 * List-then-watch with a local cache, as client-go's Reflector: watches from the list's
 * resourceVersion, resumes from the last seen one (bookmarks included) when a watch ends, relists
 * on 410 Gone (emitting what changed meanwhile, deletions included), retries 429/5xx/network
 * failures with exponential backoff, and replays the cache every resync period.
 */
export class ResourceWatcher<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private readonly stopController = new AbortController();
  private currentWatch: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private readonly backoff: BackoffPolicy;
  /** Counters for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, gone: 0, failures: 0 };

  constructor(private readonly options: ResourceWatcherOptions<T>) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    const resyncMs = this.options.resyncMs ?? 0;
    if (resyncMs > 0 && this.options.onResync) {
      this.resyncTimer = setInterval(() => {
        if (this.synced) this.options.onResync?.([...this.cache.values()]);
      }, resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    clearInterval(this.resyncTimer);
    this.currentWatch?.abort();
    await this.loop;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first complete list. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.relist();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.stats.failures += 1;
        const wait = backoffDelay(failures - 1, this.backoff);
        this.options.logger.warn(
          { path: this.options.path, error: describeKubeError(error), retryInMs: wait },
          'list failed',
        );
        await sleep(wait, this.stopController.signal);
        continue;
      }
      failures = await this.watchUntilGone();
    }
  }

  /** Watches from the last resourceVersion until the server says it is gone (or we stop). */
  private async watchUntilGone(): Promise<number> {
    let failures = 0;
    while (!this.stopped) {
      const started = Date.now();
      let events = 0;
      const end = await this.watchOnce(() => (events += 1));
      if (this.stopped) return 0;
      if (end.kind === 'gone') {
        this.stats.gone += 1;
        this.options.logger.info(
          { path: this.options.path, resourceVersion: this.resourceVersion },
          'watch expired (410 Gone): relisting',
        );
        return 0;
      }
      const healthy =
        end.kind === 'closed' && (events > 0 || Date.now() - started >= MIN_HEALTHY_SESSION_MS);
      if (healthy) {
        failures = 0;
        continue;
      }
      failures += 1;
      this.stats.failures += 1;
      const wait = backoffDelay(failures - 1, this.backoff);
      const error = end.kind === 'failed' ? describeKubeError(end.error) : 'closed immediately';
      this.options.logger.warn(
        { path: this.options.path, error, retryInMs: wait },
        'watch failed: retrying',
      );
      await sleep(wait, this.stopController.signal);
    }
    return failures;
  }

  private async relist(): Promise<void> {
    this.stats.lists += 1;
    const pageSize = this.options.pageSize ?? 500;
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.options.list(continueToken, pageSize);
      const { transform } = this.options;
      items.push(...(transform ? page.items.map(transform) : page.items));
      continueToken = page.continueToken || undefined;
      resourceVersion = page.resourceVersion;
    } while (continueToken && !this.stopped);
    if (this.stopped) return;
    this.replace(items);
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      this.syncWaiters.splice(0).forEach((wake) => wake());
    }
  }

  /** Applies a fresh list to the cache and emits the differences, deletions included. */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const previous = this.cache.get(key);
      this.cache.set(key, item);
      if (!previous) this.options.onEvent('ADDED', item);
      else if (previous.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        this.options.onEvent('MODIFIED', item, previous);
    }
    for (const [key, previous] of this.cache) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.options.onEvent('DELETED', previous);
    }
  }

  private watchOnce(onAnyEvent: () => void): Promise<SessionEnd> {
    this.stats.watches += 1;
    return new Promise<SessionEnd>((resolve) => {
      let end: SessionEnd | undefined;
      let session: AbortController | undefined;
      const finish = (result: SessionEnd): void => {
        if (end) return;
        end = result;
        session?.abort();
        resolve(result);
      };
      const timeout = this.options.watchTimeoutSeconds ?? 300;
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: timeout + Math.floor(Math.random() * timeout),
      };
      const { kubeConfig, watchAccept } = this.options;
      const watch = new Watch(watchAccept ? withAcceptHeader(kubeConfig, watchAccept) : kubeConfig);
      watch
        .watch(
          this.options.path,
          query,
          (type: string, object: T & { code?: number }) => {
            onAnyEvent();
            if (type === 'ERROR') {
              const status = object.code;
              finish(status === 410 ? { kind: 'gone' } : { kind: 'failed', error: object });
              return;
            }
            const rv = object.metadata?.resourceVersion;
            if (rv) this.resourceVersion = rv;
            if (type === 'BOOKMARK') return;
            this.apply(type as WatchEventType, this.options.transform?.(object) ?? object);
          },
          (error: unknown) => {
            if (!error || this.stopped) return finish({ kind: 'closed' });
            if (httpStatusOf(error) === 410) return finish({ kind: 'gone' });
            if ((error as { name?: string }).name === 'AbortError' && end) return;
            finish({ kind: 'failed', error });
          },
        )
        .then((controller) => {
          session = controller;
          this.currentWatch = controller;
          if (this.stopped || end) controller.abort();
        })
        .catch((error: unknown) => finish({ kind: 'failed', error }));
    });
  }

  private apply(type: WatchEventType, object: T): void {
    const key = objectKey(object);
    const previous = this.cache.get(key);
    if (type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, object);
    this.options.onEvent(type, object, previous);
  }
}
