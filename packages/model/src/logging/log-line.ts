import { serializeError } from './error-serializer.js';

/** The apps' names in every log line's `app` field. */
export type LoggingApp = 'reconciler' | 'admin-api';

/**
 * The pino options both apps' JSON logs share, so one query or alert reads either: `level` as its
 * name (`"level":"error"`, not pino's number), `app` naming which app wrote the line, `pid`, an
 * ISO `time`, and errors reduced by serializeError. Each app adds its own redaction and
 * serializers. (Structurally typed: this package does not depend on pino.)
 */
export function logLineOptions(app: LoggingApp) {
  return {
    base: { app, pid: process.pid },
    formatters: { level: (label: string) => ({ level: label }) },
    // pino's stdTimeFunctions.isoTime: the text pino splices into the line after the level.
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    serializers: { err: serializeError, error: serializeError },
  };
}
