/**
 * A date column of a raw query's row: PostgreSQL returns Dates; SQLite (as MikroORM stores it)
 * epoch milliseconds, as a number or a string. Null (or absent) stays null.
 */
export function rowDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  return new Date(/^\d+$/.test(text) ? Number(text) : text);
}
