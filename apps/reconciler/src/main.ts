import { loadConfig } from './config/config.js';
import { startReconciler } from './app/bootstrap.js';
import { createLogger } from './logging/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
try {
  const running = await startReconciler(config, logger);
  logger.info({ url: running.url, identity: config.identity }, 'reconciler started');
} catch (error) {
  logger.fatal(
    { error: error instanceof Error ? error.message : String(error) },
    'reconciler failed to start',
  );
  process.exit(1);
}
