import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { createApp } from './create-app.js';
import { buildDependencies, closeDependencies, ensureBootstrapTokens } from './runtime.js';

export interface RunningServer {
  app: NestFastifyApplication;
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The `serve` command's start-up: waits for the database (DATABASE_STARTUP_WAIT), makes the
 * bootstrap tokens valid, then listens. Until then nothing answers, so the chart's startup probe
 * holds liveness off.
 */
export async function startServer(config: AppConfig, logger: Logger): Promise<RunningServer> {
  const deps = await buildDependencies(config, logger);
  try {
    await ensureBootstrapTokens(deps);
    const app = await createApp(deps);
    await app.listen({ port: config.port, host: config.host });
    const url = await app.getUrl();
    logger.info({ port: config.port }, 'admin API listening');
    return {
      app,
      url,
      close: async () => {
        await app.close();
        await closeDependencies(deps);
      },
    };
  } catch (error) {
    await closeDependencies(deps).catch(() => undefined);
    throw error;
  }
}
