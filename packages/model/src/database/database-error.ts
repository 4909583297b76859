import { DriverException } from '@mikro-orm/core';

/**
 * The kind of a database error (e.g. `ForeignKeyConstraintViolationException`), or undefined for
 * any other error. Its message holds the SQL and its parameters (emails, names), so what people
 * outside operations read (status conditions, API errors) should show only this.
 */
export function databaseErrorKind(error: unknown): string | undefined {
  return error instanceof DriverException ? error.name : undefined;
}
