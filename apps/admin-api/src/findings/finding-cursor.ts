import { ValidationError } from '@xero-access/model';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Keyset cursors in the model's format (base64url of `[scope, value, id]`), so a cursor from this
 * listing and one from `db.findings.list` are interchangeable. `scope` names the sort.
 */
export function encodeCursor(scope: string, value: number, id: string): string {
  return Buffer.from(JSON.stringify([scope, value, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, scope: string): { value: number; id: string } {
  const invalid = () =>
    new ValidationError(
      'cursor',
      'is not a cursor returned by this listing (or belongs to another sort)',
    );
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw invalid();
  const [s, value, id] = decoded as unknown[];
  if (s !== scope || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  // A time cursor: integer milliseconds a Date can hold.
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 8.64e15)
    throw invalid();
  return { value, id };
}
