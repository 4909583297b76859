import { TOKEN_PREFIX, truncateUtf8 } from '@xero-access/model';
import { toErrorBody } from '../http/error-body.js';
import { ScimError } from '../scim/scim.types.js';
import { redactEmails } from './redact-emails.js';

/** Why a write was refused, as its audit entry keeps it: what the caller was told, emails replaced. */
export interface Refusal {
  status: number;
  reason: string;
  /** The request field at fault (`body.offboardedAt`), when the answer names one. */
  field?: string;
}

/**
 * Longest reason kept, in bytes of UTF-8: an error's message is one line, an import's names one row.
 * Cut at a code point, since half a surrogate pair makes the entry's JSON unstorable in PostgreSQL.
 */
const MAX_REASON_BYTES = 1000;

const CREDENTIALS: [RegExp, string][] = [
  [new RegExp(`${TOKEN_PREFIX}[A-Za-z0-9_-]+`, 'g'), `${TOKEN_PREFIX}[redacted]`],
  [/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted JWT]'],
  [/\b(Bearer|Basic)\s+\S+/gi, '$1 [redacted]'],
];

/**
 * The status and message the caller got for `error`, as the exception filters answer it (SCIM
 * routes: the SCIM error's detail). Messages name fields and rarely hold values; anything shaped
 * like a credential (an API token, a JWT, an Authorization value) is still replaced, and so is
 * every email address (an import's duplicate row, separation of duties naming the user's email),
 * since the audit log is kept for years and read by auditors. The caller's answer keeps them.
 */
export function refusalOf(error: unknown): Refusal {
  const answer = answerTo(error);
  let reason = answer.message;
  for (const [pattern, replacement] of CREDENTIALS) reason = reason.replace(pattern, replacement);
  reason = redactEmails(reason);
  reason = truncateUtf8(reason, MAX_REASON_BYTES);
  return { status: answer.status, reason, ...(answer.field ? { field: answer.field } : {}) };
}

function answerTo(error: unknown): { status: number; message: string; field?: string } {
  if (error instanceof ScimError) return { status: error.status, message: error.detail };
  const body = toErrorBody(error);
  return { status: body.statusCode, message: body.message, field: body.field };
}
