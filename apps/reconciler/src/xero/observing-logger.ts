import type { XeroLogger } from '@xero-access/xero-client';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';

/**
 * The Xero client reports each HTTP call and each 429 through its logger; this adapter counts
 * them for /metrics and passes everything on to pino.
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
    warn(obj, msg) {
      if (msg === 'Xero answered 429; pausing')
        metrics.xeroRateLimited.inc({ limit: String(obj.problem ?? 'unknown') });
      logger.warn(obj, msg);
    },
    error: (obj, msg) => logger.error(obj, msg),
  };
}
