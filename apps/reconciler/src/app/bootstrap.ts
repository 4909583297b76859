import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ReconcilerConfig } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { AppModule } from './app.module.js';
import { OPERATOR } from './tokens.js';
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
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    new FastifyAdapter(),
    {
      logger: false,
      abortOnError: false,
    },
  );

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
