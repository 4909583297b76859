import { DriverException } from '@mikro-orm/core';
import { isDatabaseError } from '../logging/error-serializer.js';

/**
 * The kind of a database error (e.g. `ForeignKeyConstraintViolationException`), or undefined for
 * any other error. Its message holds the SQL and its parameters (emails, names), so what people
 * outside operations read (status conditions, API errors) should show only this. A driver's own
 * error, which MikroORM does not convert when a statement runs raw (`execute`), is one too: its
 * class and code (`SqliteError SQLITE_CONSTRAINT_NOTNULL`, `DatabaseError 23505`).
 */
export function databaseErrorKind(error: unknown): string | undefined {
  if (error instanceof DriverException) return error.name;
  if (typeof error !== 'object' || error === null || !isDatabaseError(error)) return undefined;
  const { code } = error as { code?: unknown };
  const type = error.constructor?.name || 'DatabaseError';
  return typeof code === 'string' ? `${type} ${code}` : type;
}
