import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { XeroTokenSet } from '@xero-access/xero-client';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { conflict, unavailable } from '../http/errors.js';
import type { KubeGateway } from '../kube/kube.js';
import { LOGGER } from '../logging/logger.module.js';
import { Reevaluation } from '../reevaluation/reevaluation.service.js';
import { tokenSecretWriteFailure, writeTokenSecret } from './token-secret.js';

/** The person's answer comes within this long: stored, or held and still being tried. */
export const ANSWER_WITHIN_MS = 5_000;
/** Pauses between tries double from the first to the longest. */
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 10_000;
/** Once shutdown began the drain is short: a held token set is tried at least this often. */
const DRAINING_PAUSE_MS = 1_000;
/** At exit, how long a try already under way may still finish. */
const LAST_TRY_MS = 2_000;

/** A consent's token set, to be written into its token Secret. */
export interface TokenSetWrite {
  /** Where it is written, and how its failures are named. */
  kube: Pick<KubeGateway, 'core' | 'problemOf'>;
  /** The XeroConnection, `namespace/name`. */
  connection: string;
  namespace: string;
  /** The token Secret's name, in `namespace`. */
  secret: string;
  tokens: XeroTokenSet;
  startedBy: string;
}

export type StoreAnswer = { stored: true } | { stored: false; until: Date; problem: string };

type Outcome = 'stored' | 'superseded' | 'stopping' | { gaveUp: unknown };

interface Held {
  write: TokenSetWrite;
  since: number;
  until: number;
  tries: number;
  /** The last failure (KubeGateway.problemOf); none while the first try is under way. */
  problem?: string;
  /** Why it stops trying early: a newer consent for the same Secret, or the API stops. */
  stop?: 'superseded' | 'stopping';
  /** Ends the current pause at once. */
  wake?: () => void;
  /** Settles once it is stored or given up (the outcome logged). Never rejects. */
  done: Promise<Outcome>;
}

/**
 * Stores a consent's token set in its Secret. The code is spent by then, so a write the Kubernetes
 * API does not take (unreachable, failing, or refusing: RBAC, an admission policy or quota can be
 * fixed meanwhile) is held in memory and tried again, with capped backoff, for
 * TOKEN_WRITE_RETRY; the person is answered within ANSWER_WITHIN_MS either way. Shutdown tries
 * held sets at once and often through the drain, and logs each one still unsaved at exit.
 */
@Injectable()
export class TokenSetWriter implements BeforeApplicationShutdown {
  /** By token Secret (`namespace/name`): a newer consent replaces a held older one. */
  private readonly held = new Map<string, Held>();
  private draining = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Reevaluation) private readonly reevaluation: Reevaluation,
  ) {}

  /** Token sets from consents not stored yet (also while a first try is under way). */
  get pending(): number {
    return this.held.size;
  }

  /**
   * Writes the token set, holding it and trying again while the write fails. Answers once it is
   * stored, or after ANSWER_WITHIN_MS with `stored: false` while it is still tried; throws the
   * answer for the person (start again) when it was given up by then.
   */
  async store(write: TokenSetWrite): Promise<StoreAnswer> {
    const held = this.hold(write);
    const outcome = await within(held.done, ANSWER_WITHIN_MS);
    if (outcome === 'stored') return { stored: true };
    if (outcome === undefined)
      return { stored: false, until: new Date(held.until), problem: held.problem ?? 'no answer' };
    if (outcome === 'superseded')
      throw conflict(
        `a newer consent for ${write.connection} replaced this one before it was stored in Secret ${write.namespace}/${write.secret}`,
      );
    if (outcome === 'stopping')
      throw unavailable(
        `the admin API is shutting down and could not store the new Xero token set in Secret ${write.namespace}/${write.secret}; start the connection again`,
      );
    throw tokenSecretWriteFailure(outcome.gaveUp, write.namespace, write.secret);
  }

  /** Shutdown began: held token sets are tried at once, and at least every second meanwhile. */
  tryNow(): void {
    this.draining = true;
    if (this.held.size)
      this.logger.warn(
        { connections: [...this.held.values()].map((h) => h.write.connection) },
        'shutting down with Xero token sets not stored yet: trying them through the drain',
      );
    for (const held of this.held.values()) held.wake?.();
  }

  /** Nest calls this as the app closes (the drain is over): what is still unsaved is logged. */
  async beforeApplicationShutdown(): Promise<void> {
    const held = [...this.held.values()];
    for (const h of held) {
      h.stop = 'stopping';
      h.wake?.();
    }
    const outcomes = await Promise.all(held.map((h) => within(h.done, LAST_TRY_MS)));
    held.forEach((h, i) => {
      if (outcomes[i] === 'stored') return;
      this.logger.error(
        { ...this.names(h), problem: h.problem ?? 'no answer' },
        'the admin API stopped before the new Xero token set was stored in its Secret: the person must consent again',
      );
    });
  }

  private hold(write: TokenSetWrite): Held {
    const key = `${write.namespace}/${write.secret}`;
    const older = this.held.get(key);
    const since = Date.now();
    const held = { write, since, until: since + this.config.tokenWriteRetryMs, tries: 0 } as Held;
    this.held.set(key, held);
    held.done = (async () => {
      if (older) {
        // Its last try must land before this set's first: the newest consent wins.
        older.stop = 'superseded';
        older.wake?.();
        await older.done;
      }
      const outcome = await this.keep(held);
      if (this.held.get(key) === held) this.held.delete(key);
      await this.report(held, outcome);
      return outcome;
    })();
    return held;
  }

  private async keep(held: Held): Promise<Outcome> {
    const { write } = held;
    for (;;) {
      held.tries += 1;
      try {
        await writeTokenSecret(write.kube.core, write.namespace, write.secret, write.tokens);
        return 'stored';
      } catch (error) {
        held.problem = write.kube.problemOf(error);
        if (held.stop) return held.stop;
        const pauseMs = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (held.tries - 1));
        if (Date.now() + pauseMs > held.until) return { gaveUp: error };
        this.logger.warn(
          {
            ...this.names(held),
            problem: held.problem,
            pauseMs,
            heldUntil: new Date(held.until).toISOString(),
          },
          'could not store the new Xero token set yet; holding it and trying again',
        );
        await this.pause(held, this.draining ? Math.min(pauseMs, DRAINING_PAUSE_MS) : pauseMs);
        if (held.stop) return held.stop;
      }
    }
  }

  private pause(held: Held, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => held.wake?.(), ms);
      held.wake = () => {
        clearTimeout(timer);
        held.wake = undefined;
        resolve();
      };
    });
  }

  private async report(held: Held, outcome: Outcome): Promise<void> {
    const names = { ...this.names(held), tries: held.tries, heldMs: Date.now() - held.since };
    if (outcome === 'stored') {
      this.logger.info(names, 'stored a new Xero token set');
      await this.reevaluation.connections('connect', [held.write.connection]);
    } else if (outcome === 'superseded') {
      this.logger.info(names, 'a newer consent replaced a Xero token set not stored yet');
    } else if (outcome !== 'stopping') {
      // 'stopping' is reported by beforeApplicationShutdown, once, with what is left at exit.
      this.logger.error(
        { ...names, problem: held.problem },
        'could not store the new Xero token set: the person must consent again',
      );
    }
  }

  /** What a log line names: never a token. */
  private names(held: Held) {
    const { connection, namespace, secret, startedBy } = held.write;
    return { connection, secret: `${namespace}/${secret}`, startedBy };
  }
}

/** `promise`'s value, or undefined if it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
