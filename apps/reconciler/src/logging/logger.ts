import { logLineOptions } from '@xero-access/model';
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks in every log line. Tokens and client secrets must never reach a log, whatever
 * object someone passes to it.
 */
export const REDACT_PATHS = [
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'authorization',
  'password',
  'secret',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.clientSecret',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.client_secret',
  '*.authorization',
  '*.password',
  '*.secret',
  'headers.authorization',
  '*.headers.authorization',
  'data',
  '*.data',
];

/**
 * JSON logs to stdout (or `destination`), with secrets redacted. Errors (`err`, or `error` when
 * it holds one) keep only type, message, stack, code, status and their causes: what a library
 * hangs on them (ioredis's failed command and its arguments, request options, bodies, headers)
 * never reaches the log.
 */
export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    ...logLineOptions('reconciler'),
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything (unit tests); its children get the same serializers. */
export const silentLogger: Logger = createLogger('silent');
