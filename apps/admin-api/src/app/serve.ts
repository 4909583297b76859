import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { TokenSetWriter } from '../connect/token-set-writer.js';
import { Readiness } from '../health/readiness.js';
import { ApiMetrics } from '../metrics/api-metrics.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { createApp } from './create-app.js';
import { buildDependencies, closeDependencies, ensureBootstrapTokens } from './runtime.js';
import { APP_VERSION } from './version.js';

export interface RunningServer {
  app: NestFastifyApplication;
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Where the metrics listener's /metrics answers (METRICS_PORT), e.g. `http://127.0.0.1:9090`. */
  metricsUrl: string;
  /**
   * What SIGTERM does: readiness answers 503 at once, requests are still served for
   * SHUTDOWN_DRAIN_SECONDS (the Service's endpoints and ingress controllers take a few seconds to
   * drop this pod), then the server closes. Token sets not stored yet are tried through the
   * drain; any still unsaved at the end is logged.
   */
  shutdown(): Promise<void>;
  /**
   * Stops listening at once (in-flight requests finish), then closes the metrics listener, the
   * database and Redis.
   */
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
    const metrics = new ApiMetrics();
    // Scraped through the drain: it closes after the API.
    const metricsServer = await startMetricsServer(metrics.registry, {
      port: config.metricsPort,
      host: config.metricsHost,
    });
    let app: NestFastifyApplication;
    try {
      app = await createApp(deps, { metrics });
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      await metricsServer.close();
      throw error;
    }
    const url = await app.getUrl();
    logger.info(
      { port: config.port, metricsPort: config.metricsPort, version: APP_VERSION },
      'admin API listening',
    );
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await app.close();
        await metricsServer.close();
        await closeDependencies(deps);
      })());
    return {
      app,
      url,
      metricsUrl: metricsServer.url,
      close,
      shutdown: async () => {
        app.get(Readiness).startDraining();
        app.get(TokenSetWriter).tryNow();
        logger.info(
          { drainSeconds: config.shutdownDrainSeconds },
          'shutting down: readiness answers 503, requests are served until the drain ends',
        );
        await sleep(config.shutdownDrainSeconds * 1000);
        await close();
        logger.info('admin API closed');
      },
    };
  } catch (error) {
    await closeDependencies(deps).catch(() => undefined);
    throw error;
  }
}
