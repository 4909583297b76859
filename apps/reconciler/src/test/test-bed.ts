import { PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { XeroConnection, XeroConnectionSpec } from '@xero-access/crd';
import { createOrm, type ModelOrm } from '@xero-access/model';
import {
  createTestDatabase,
  createTestNamespace,
  redisTestPrefix,
  testKubeConfig,
  type TestDatabase,
} from '@xero-access/testing';
import { startSandbox, type Sandbox, type StartSandboxOptions } from '@xero-access/xero-sandbox';
import { afterAll, beforeAll } from 'vitest';
import { startReconciler, type RunningReconciler } from '../app/bootstrap.js';
import { CONNECTION_RECONCILER } from '../app/tokens.js';
import { loadConfig } from '../config/config.js';
import type { ConnectionReconciler } from '../reconcile/connection-reconciler.js';
import { SYNC_REQUESTED_ANNOTATION } from '../reconcile/requested-sync.js';
import {
  apis,
  applyAuthorizationCodeConnection,
  coordinates,
  createConnection,
  createSecret,
  getConnection,
  testEnv,
  waitForReady,
  type Apis,
} from './harness.js';
import { ReconcilerProcess } from './reconciler-process.js';

interface Resources {
  namespace: string;
  sandbox: Sandbox;
  database: TestDatabase;
  redisPrefix: string;
}

export interface TestBedOptions {
  /** Prefix of the namespace, database and Redis key prefix. */
  name: string;
  sandbox?: StartSandboxOptions;
}

/**
 * What an end-to-end reconciler test runs against: its own namespace on the real API server, its
 * own PostgreSQL database and Redis prefix, and a Xero sandbox. Reconcilers (in this process or as
 * child processes) and ORMs opened through it are stopped by `stop()`.
 */
export class TestBed {
  readonly kc: KubeConfig = testKubeConfig();
  readonly kube: Apis = apis(this.kc);
  private readonly resources: Partial<Resources> = {};
  private readonly reconcilers: RunningReconciler[] = [];
  private readonly processes: ReconcilerProcess[] = [];
  private readonly models: ModelOrm[] = [];
  private readonly stopHooks: (() => unknown)[] = [];

  constructor(private readonly options: TestBedOptions) {}

  async start(): Promise<void> {
    const { name } = this.options;
    this.resources.namespace = await createTestNamespace(this.kc, name);
    this.resources.sandbox = await startSandbox(this.options.sandbox);
    this.resources.database = await createTestDatabase(name);
    this.resources.redisPrefix = redisTestPrefix(name);
  }

  /** Stops what was started, also after a failed `start()`; `onStop` callbacks run last. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
    for (const reconciler of this.reconcilers) await reconciler.close();
    for (const model of this.models) await model.close();
    await this.resources.sandbox?.close();
    await this.resources.database?.drop();
    for (const hook of this.stopHooks) await hook();
  }

  onStop(hook: () => unknown): void {
    this.stopHooks.push(hook);
  }

  get namespace(): string {
    return this.ready().namespace;
  }

  get sandbox(): Sandbox {
    return this.ready().sandbox;
  }

  get database(): TestDatabase {
    return this.ready().database;
  }

  /** The reconciler's environment for this bed (see `testEnv`). */
  env(options: { identity?: string; extra?: Record<string, string> } = {}): Record<string, string> {
    const { namespace, sandbox, database, redisPrefix } = this.ready();
    return testEnv({ sandbox, namespace, databaseUrl: database.url, redisPrefix, ...options });
  }

  /** The reconciler's Nest application in this process. */
  async startReconciler(extra?: Record<string, string>): Promise<RunningReconciler> {
    const reconciler = await startReconciler(loadConfig(this.env({ extra })));
    this.reconcilers.push(reconciler);
    return reconciler;
  }

  /**
   * The reconciler in this process with its operator stopped: the test does the leader's work,
   * each reconcile one it runs.
   */
  async startManualReconciler(extra?: Record<string, string>): Promise<ConnectionReconciler> {
    const running = await this.startReconciler(extra);
    await running.operator.stop();
    return running.app.get<ConnectionReconciler>(CONNECTION_RECONCILER);
  }

  /** The reconciler as its own Node.js process, killed by `stop()`. */
  spawnReconciler(env: Record<string, string>): ReconcilerProcess {
    const child = new ReconcilerProcess(env);
    this.processes.push(child);
    return child;
  }

  /** The model on this bed's database, migrated. */
  async openModel(): Promise<ModelOrm> {
    const model = await createOrm({ url: this.database.url, migrate: true });
    this.models.push(model);
    return model;
  }

  createSecret(name: string, stringData: Record<string, string>): Promise<void> {
    return createSecret(this.kube.core, this.namespace, name, stringData);
  }

  createConnection(name: string, spec: XeroConnectionSpec): Promise<XeroConnection> {
    return createConnection(this.kube.custom, this.namespace, name, spec);
  }

  /**
   * A connection to a seeded grant (the first unless named): `<name>-app` with its app's client id
   * and secret, `<name>-tokens` with its refresh token, then the XeroConnection using both.
   */
  async connectGrant(
    name: string,
    spec: Partial<XeroConnectionSpec> = {},
    grant = this.sandbox.grants[0]!,
  ): Promise<XeroConnection> {
    await this.createGrantSecrets(name, grant);
    return this.connectSecrets(name, spec);
  }

  /**
   * The Secrets of {@link connectGrant} without the XeroConnection: `<name>-app` and
   * `<name>-tokens` for a seeded grant (the first unless named). Returns its refresh token.
   */
  async createGrantSecrets(name: string, grant = this.sandbox.grants[0]!): Promise<string> {
    const app = this.sandbox.apps.find((a) => a.clientId === grant.clientId)!;
    await this.createSecret(`${name}-app`, {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
    });
    await this.createSecret(`${name}-tokens`, { refresh_token: grant.refreshToken! });
    return grant.refreshToken!;
  }

  /** The XeroConnection of {@link connectGrant}, its Secrets `<name>-app`, `<name>-tokens` made. */
  connectSecrets(name: string, spec: Partial<XeroConnectionSpec> = {}): Promise<XeroConnection> {
    return this.createConnection(name, {
      credentialsSecretRef: { name: `${name}-app` },
      tokenSecretRef: { name: `${name}-tokens` },
      ...spec,
    });
  }

  getConnection(name: string): Promise<XeroConnection> {
    return getConnection(this.kube.custom, this.namespace, name);
  }

  waitForReady(
    name: string,
    status: 'True' | 'False',
    reason?: string,
    timeoutMs?: number,
  ): Promise<XeroConnection> {
    return waitForReady(this.kube.custom, this.namespace, name, status, reason, timeoutMs);
  }

  /** Asks for a sync now, as `kubectl annotate` or the admin API does; returns the request time. */
  async requestSync(name: string): Promise<string> {
    const at = new Date().toISOString();
    await this.annotate(name, { [SYNC_REQUESTED_ANNOTATION]: at });
    return at;
  }

  /** Sets annotations on a XeroConnection: a change the reconciler sees without it being a new spec. */
  async annotate(name: string, annotations: Record<string, string>): Promise<void> {
    await this.kube.custom.patchNamespacedCustomObject(
      { ...coordinates, namespace: this.namespace, name, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  applyAuthorizationCodeConnection(
    name: string,
    spec: Partial<XeroConnectionSpec> = {},
  ): Promise<void> {
    return applyAuthorizationCodeConnection(this.kube, this.sandbox, this.namespace, name, spec);
  }

  private ready(): Resources {
    // The prefix is set last: with it, everything is there.
    if (this.resources.redisPrefix === undefined)
      throw new Error(`test bed ${this.options.name} is not started`);
    return this.resources as Resources;
  }
}

/** A TestBed for the enclosing describe block: started in beforeAll, stopped in afterAll. */
export function useTestBed(options: TestBedOptions): TestBed {
  const bed = new TestBed(options);
  beforeAll(() => bed.start());
  afterAll(() => bed.stop());
  return bed;
}
