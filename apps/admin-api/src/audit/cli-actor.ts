import { userInfo } from 'node:os';
import type { AuditActor } from '@xero-access/model';

/** Who runs a CLI command, when `--actor` is not given. */
export const CLI_ACTOR_ENV = 'XAO_ACTOR';
export const MAX_CLI_ACTOR_LENGTH = 128;

/** Control and format characters and line breaks: they could forge or hide text in a log view. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * The OS user running this process. A container running as a uid the image has no passwd entry
 * for (the chart's image, OpenShift's arbitrary uids) has no user name, and userInfo throws there:
 * the uid names them then (`uid-1000660000`).
 */
export function osUser(
  user: () => { username: string } = () => userInfo(),
  uid: () => number | undefined = () => process.getuid?.(),
): string {
  try {
    const { username } = user();
    if (username) return username;
  } catch {
    // No user name for this uid: named by the uid below.
  }
  const id = uid();
  return id === undefined ? 'unknown' : `uid-${id}`;
}

export interface CliActorOptions {
  /** `--actor`: the person running the command (a name or an email). */
  actor?: string;
  /** Read for XAO_ACTOR when `actor` is not given. */
  env?: NodeJS.ProcessEnv;
  /** Told when neither names a person (default: stderr). */
  warn?: (line: string) => void;
  osUser?: () => string;
}

function validActor(value: string, setting: string): string {
  const actor = value.trim();
  if (actor === '') throw new Error(`${setting} must name who runs the command: it is empty`);
  if (actor.length > MAX_CLI_ACTOR_LENGTH)
    throw new Error(`${setting} must be at most ${MAX_CLI_ACTOR_LENGTH} characters`);
  if (UNPRINTABLE.test(actor))
    throw new Error(`${setting} must be printable: no control characters or line breaks`);
  return actor;
}

/**
 * Who runs a CLI command, as the audit log names them: `cli:<--actor>` (else XAO_ACTOR), with the
 * OS user in the entry's details (`osUser`). In a pod every person is the image's one uid, so
 * without either the entry names only the OS user (`cli:<OS user>`), and a warning says so.
 */
export function cliActor(options: CliActorOptions = {}): AuditActor {
  const { env = process.env, warn = (line) => process.stderr.write(`${line}\n`) } = options;
  const os = (options.osUser ?? osUser)();
  const given =
    options.actor !== undefined
      ? validActor(options.actor, '--actor')
      : env[CLI_ACTOR_ENV]
        ? validActor(env[CLI_ACTOR_ENV], CLI_ACTOR_ENV)
        : undefined;
  if (given !== undefined) return { actor: `cli:${given}`, actorDetails: { osUser: os } };
  warn(
    `admin-api: warning: the audit log names only the OS user (cli:${os}), not who ran this: give --actor <your name or email> (or ${CLI_ACTOR_ENV})`,
  );
  return { actor: `cli:${os}` };
}
