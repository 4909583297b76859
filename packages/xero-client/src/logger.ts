/**
 * The subset of a pino logger the client uses. Pass a pino child logger; the default logs nothing.
 * The client never passes a secret (client secret, token, code, code verifier) to it.
 */
export interface XeroLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

const noop = (): void => undefined;

export const silentLogger: XeroLogger = { debug: noop, info: noop, warn: noop, error: noop };
