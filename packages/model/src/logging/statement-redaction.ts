/**
 * knex reports a failed query as `<statement with its values filled in> - <driver message>`, and
 * MikroORM keeps that message (adding PostgreSQL's `detail` and `hint` on lines of their own), so
 * a failed insert carries the emails, names and IP addresses it tried to write.
 */

/** What stands in for a statement that has no driver message after it. */
const STATEMENT_WITHHELD = '[SQL statement withheld]';
const VALUE_WITHHELD = '[value withheld]';
const SEPARATOR = ' - ';

/** Where a statement starts inside another message (e.g. umzug's "… failed: Original error: <sql> - …"). */
const STATEMENT_START =
  /(?:^|[\s:(])(select\s[\s\S]*?\sfrom\s|with\s+\S+\s+as\s*\(|insert\s+into\s|update\s+\S+\s+set\s|delete\s+from\s|(?:create|alter|drop)\s+(?:table|(?:unique\s+)?index|trigger|function|view|or\s+replace)\s|pragma\s)/i;

/** The segments PostgreSqlExceptionConverter appends: `\n - detail: Key (email)=(…) already exists.` */
const APPENDED_SEGMENT = /^(?:detail|hint): /;

/**
 * PostgreSQL messages that quote the input they refused (`invalid input syntax for type uuid:
 * "…"`, `value "…" is out of range for type integer`), found from the end: the value may itself
 * hold " - ".
 */
const QUOTED_INPUT = / - ((?:invalid |date\/time )(?:(?! - )[^"])*): "[\s\S]*"$/;
const OUT_OF_RANGE = / - value "[\s\S]*" is out of range for type ([^"\s]+)$/;

/**
 * The message without the SQL statement and the values in it: the driver's own message is kept
 * (`duplicate key value violates unique constraint "staff_member_email_unique"`), the statement
 * and PostgreSQL's detail (`Key (email)=(…)`) are not. `fromDatabase`: the error was raised by
 * the ORM or a driver, so everything before its last " - " is the statement; other messages
 * lose only a statement they quote.
 */
export function withoutStatement(message: string, fromDatabase: boolean): string {
  const start = fromDatabase ? 0 : statementStart(message);
  if (start === undefined) return message;
  const prefix = message.slice(0, start);
  const statementAndReason = withoutAppendedSegments(message.slice(start));
  const range = OUT_OF_RANGE.exec(statementAndReason);
  if (range) return `${prefix}value out of range for type ${range[1]}`;
  const quoted = QUOTED_INPUT.exec(statementAndReason);
  if (quoted) return `${prefix}${quoted[1]}: ${VALUE_WITHHELD}`;
  const separator = statementAndReason.lastIndexOf(SEPARATOR);
  if (separator >= 0) return prefix + statementAndReason.slice(separator + SEPARATOR.length);
  // A driver error that did not come from a query (a refused connection, a full pool).
  if (fromDatabase && statementStart(message) === undefined) return message;
  return prefix + STATEMENT_WITHHELD;
}

function statementStart(message: string): number | undefined {
  const match = STATEMENT_START.exec(message);
  return match ? match.index + match[0].length - match[1]!.length : undefined;
}

/** Drops trailing `\n - detail: …` / `\n - hint: …` lines, which quote the rows' values. */
function withoutAppendedSegments(text: string): string {
  let rest = text;
  for (;;) {
    const at = rest.lastIndexOf(`\n${SEPARATOR}`);
    if (at < 0 || !APPENDED_SEGMENT.test(rest.slice(at + 1 + SEPARATOR.length))) return rest;
    rest = rest.slice(0, at);
  }
}
