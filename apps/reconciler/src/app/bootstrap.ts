import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ReconcilerConfig } from '../config/config.js';
import { loadKubeConfig } from '../config/config.module.js';
import { checkCrdRevision } from '../kube/crd-revision.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { AppModule } from './app.module.js';
import { METRICS, OPERATOR } from './tokens.js';
import type { Operator } from '../operator/operator.js';

export interface RunningReconciler {
  app: NestFastifyApplication;
  operator: Operator;
  /** Where /metrics, /healthz and /readyz answer. */
  url: string;
  close(): Promise<void>;
}

/** Builds and starts the Nest application: operator running, HTTP endpoints listening. */
export async function startReconciler(
  config: ReconcilerConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningReconciler> {
  // First, before migrations or the Lease: on an older CRD every status this build writes would
  // lose the fields added since.
  const crdRevision = await checkCrdRevision(loadKubeConfig(config.kubeconfigPath), logger);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    new FastifyAdapter(),
    {
      logger: false,
      abortOnError: false,
    },
  );

  app.get<ReconcilerMetrics>(METRICS).crdSchemaRevision.set(crdRevision);
  await app.listen(config.metrics.port, config.metrics.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.metrics.port;
  const host = config.metrics.host === '0.0.0.0' ? '127.0.0.1' : config.metrics.host;
  return {
    app,
    operator: app.get<Operator>(OPERATOR),
    url: `http://${host}:${port}`,
    close: () => app.close(),
  };
}
