import { ValidationError } from '@xero-access/model';

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
  if (
    s !== scope ||
    typeof id !== 'string' ||
    id.length > 128 ||
    typeof value !== 'number' ||
    !Number.isFinite(value)
  )
    throw invalid();
  return { value, id };
}
