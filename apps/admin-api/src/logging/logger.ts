import { logLineOptions } from '@xero-access/model';
import pino, { type Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]". Request logs never include bodies, but headers carry
 * bearer tokens and the callback URL carries the OAuth code.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'id_token',
  'clientSecret',
  'client_secret',
  'code',
  'codeVerifier',
  'password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.password',
];

/**
 * JSON logs to stdout (or `destination`), with secrets redacted. Errors (`err`, or `error` when
 * it holds one) keep only type, message, stack, code, status and their causes: what a library
 * hangs on them (ioredis's failed command and its arguments, e.g. a SET's value, request
 * options, bodies, headers) never reaches the log.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const shared = logLineOptions('admin-api');
  return pino(
    {
      ...shared,
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        ...shared.serializers,
        req: (req: { method?: string; url?: string; id?: string; ip?: string }) => ({
          id: req.id,
          method: req.method,
          // Query strings may carry OAuth codes and state: log the path only.
          url: typeof req.url === 'string' ? req.url.split('?')[0] : req.url,
          ip: req.ip,
        }),
      },
    },
    destination,
  );
}
