import { ValidationError, type StaffInput } from '@xero-access/model';
import { z } from 'zod';
import { dateTime } from '../http/date-time.js';
import { BadRequestField } from '../http/errors.js';
import { readCsvTable } from './csv-table.js';

export const IMPORT_COLUMNS = [
  'email',
  'name',
  'orgRole',
  'status',
  'offboardedAt',
  'externalId',
] as const;
const REQUIRED_COLUMNS = ['email', 'name'] as const;
export const MAX_IMPORT_ROWS = 10_000;

const row = z
  .object({
    email: z.string({ message: 'is required' }).trim().min(1, 'is required'),
    name: z.string({ message: 'is required' }).trim().min(1, 'is required'),
    orgRole: z.string().trim().max(128).nullish(),
    status: z
      .enum(['active', 'offboarded'], { message: 'must be active or offboarded' })
      .nullish()
      .transform((v) => v ?? undefined),
    offboardedAt: dateTime.nullish(),
    externalId: z.string().trim().min(1).max(255).nullish(),
  })
  .strict();

export const importJsonBody = z
  .array(row)
  .max(MAX_IMPORT_ROWS, `at most ${MAX_IMPORT_ROWS} rows per import`);

/** Import rows, and where each is in the request body as errors name it. */
export interface ImportRows {
  rows: StaffInput[];
  /** `line N` of a CSV (the line the row starts on), else the JSON array index. */
  labelOf(index: number): string;
}

/**
 * The model names an import row by its index (`3.email`); the caller sent a CSV line or a JSON
 * array element in the request body, so the error names that instead (`body.line 5.email`).
 */
export function importRowError(error: unknown, rows: Pick<ImportRows, 'labelOf'>): unknown {
  if (!(error instanceof ValidationError)) return error;
  const row = /^(\d+)\.(.+)$/.exec(error.field);
  if (!row) return error;
  const problem = error.message.slice(`${error.field}: `.length);
  return new BadRequestField(`body.${rows.labelOf(Number(row[1]))}.${row[2]}`, problem);
}

function validateRows(rows: unknown[], labelOf: (index: number) => string): ImportRows {
  if (rows.length > MAX_IMPORT_ROWS)
    throw new BadRequestField('body', `at most ${MAX_IMPORT_ROWS} rows per import`);
  const valid = rows.map((r, i) => {
    const parsed = row.safeParse(r);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.join('.');
    throw new BadRequestField(
      `body.${labelOf(i)}.${field}`,
      issue.code === 'unrecognized_keys' ? 'unknown column' : issue.message,
    );
  });
  return { rows: valid, labelOf };
}

/**
 * CSV with a header row naming IMPORT_COLUMNS, matched ignoring case (email and name required).
 * Empty cells are null (the value is cleared); a column the header leaves out stays absent (the
 * member keeps its value).
 */
export function parseStaffCsv(text: string): ImportRows {
  const table = readCsvTable(text, { known: IMPORT_COLUMNS, required: REQUIRED_COLUMNS });
  return validateRows(
    table.map((r) => r.cells),
    (index) => `line ${table[index]!.line}`,
  );
}

export function parseStaffJson(rows: unknown[]): ImportRows {
  return validateRows(rows, String);
}
