import { loadConfig } from './config/config.js';
import { startReconciler } from './app/bootstrap.js';
import { APP_VERSION } from './app/version.js';
import { createLogger } from './logging/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
try {
  const running = await startReconciler(config, logger);
  logger.info(
    { url: running.url, identity: config.identity, version: APP_VERSION },
    'reconciler started',
  );
  // SIGTERM/SIGINT: stop taking work, drain, release the Lease, close connections, exit 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      running
        .close()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        });
    });
  }
} catch (error) {
  logger.fatal({ err: error }, 'reconciler failed to start');
  process.exit(1);
}
