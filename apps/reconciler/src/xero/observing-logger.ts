import type { XeroLogger } from '@xero-access/xero-client';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';

/**
 * The Xero client reports each HTTP call through its logger; this adapter counts them for
 * /metrics and passes everything on to pino. (429s reach the metrics through `onRateLimited`.)
 */
export function observingXeroLogger(logger: Logger, metrics: ReconcilerMetrics): XeroLogger {
  return {
    debug(obj, msg) {
      if (msg === 'Xero call') {
        metrics.xeroCalls.inc({
          operation: String(obj.operation ?? 'unknown'),
          status: String(obj.statusCode ?? 'none'),
        });
      }
      logger.debug(obj, msg);
    },
    info: (obj, msg) => logger.info(obj, msg),
    warn: (obj, msg) => logger.warn(obj, msg),
    error: (obj, msg) => logger.error(obj, msg),
  };
}
