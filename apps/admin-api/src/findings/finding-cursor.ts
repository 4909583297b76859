import {
  decodeCursor as decodeModelCursor,
  encodeCursor,
  ValidationError,
} from '@xero-access/model';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The model's keyset cursors, so a cursor from this listing and one from `db.findings.list` are interchangeable. */
export { encodeCursor };

/** The model's cursor, narrowed to this listing's time sorts: integer milliseconds and a UUID id. */
export function decodeCursor(cursor: string, scope: string): { value: number; id: string } {
  const { value, id } = decodeModelCursor(cursor, scope);
  if (
    !UUID.test(id) ||
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    Math.abs(value) > 8.64e15
  ) {
    throw new ValidationError(
      'cursor',
      'is not a cursor returned by this listing (or belongs to another sort)',
    );
  }
  return { value, id };
}
