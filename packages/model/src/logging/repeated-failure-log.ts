/**
 * The logger calls a RepeatedFailureLog makes: a pino logger fits (structurally typed: this
 * package does not depend on pino).
 */
export interface RepeatLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** How often a failure that goes on is logged again, unless told otherwise: every 5 minutes. */
export const REPEAT_LOG_EVERY_MS = 5 * 60_000;

/** A failure's messages told apart in one run of failures; past this many, new ones wait too. */
const MAX_MESSAGES = 10;

export interface RepeatedFailureLogOptions {
  logger: RepeatLogger;
  /** The `info` line once an attempt succeeds after failures, e.g. `the database answers again`. */
  recovered: string;
  /** Fields of every line, e.g. `{ lease: 'ns/name' }`. */
  fields?: Record<string, unknown>;
  /** How often a failure that goes on is logged again; REPEAT_LOG_EVERY_MS by default. */
  everyMs?: number;
  /**
   * Milliseconds on a monotonic clock (a step of the wall clock changes nothing); `performance.now`
   * by default, read at each call (a test's fake timers apply).
   */
  now?: () => number;
}

interface Failing {
  /** When the first attempt of this run of failures failed. */
  since: number;
  /** Attempts failed since then. */
  attempts: number;
  /** When a line was last logged. */
  loggedAt: number;
  /** The messages logged since then: a new one is logged at once. */
  messages: Set<string>;
}

/**
 * The failures of something retried every few seconds (a Lease renewed every 2 s through an API
 * server outage, a poll of a database that is down), logged when they change rather than at every
 * attempt: the first failure at `warn` at once, as is one with a message not logged yet since the
 * failures began (the answer changed: a refusal after a time-out); then the same failure again at
 * most every `everyMs`, a reminder with `failedAttempts` (since the failures began) and
 * `failingForMs`; and the first success after them once, at `info` (`recovered`, with the same two
 * fields). A success while nothing failed logs nothing.
 */
export class RepeatedFailureLog {
  private failing: Failing | undefined;

  constructor(private readonly options: RepeatedFailureLogOptions) {}

  /** Whether the last attempt failed. */
  get isFailing(): boolean {
    return this.failing !== undefined;
  }

  /** An attempt failed: logged at `warn` when it is new or a reminder is due; true when logged. */
  failed(fields: Record<string, unknown>, message: string): boolean {
    const now = this.now();
    const failing = (this.failing ??= {
      since: now,
      attempts: 0,
      loggedAt: -Infinity,
      messages: new Set(),
    });
    failing.attempts += 1;
    const isNew = !failing.messages.has(message) && failing.messages.size < MAX_MESSAGES;
    if (!isNew && now - failing.loggedAt < this.everyMs) return false;
    failing.loggedAt = now;
    failing.messages.add(message);
    const repeated =
      failing.attempts > 1
        ? { failedAttempts: failing.attempts, failingForMs: Math.round(now - failing.since) }
        : {};
    this.options.logger.warn({ ...this.options.fields, ...fields, ...repeated }, message);
    return true;
  }

  /** An attempt succeeded: after failures, says so at `info`, with how many and for how long. */
  succeeded(fields: Record<string, unknown> = {}): void {
    const failing = this.failing;
    if (!failing) return;
    this.failing = undefined;
    this.options.logger.info(
      {
        ...this.options.fields,
        ...fields,
        failedAttempts: failing.attempts,
        failingForMs: Math.round(this.now() - failing.since),
      },
      this.options.recovered,
    );
  }

  private get everyMs(): number {
    return this.options.everyMs ?? REPEAT_LOG_EVERY_MS;
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }
}
