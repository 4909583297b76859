import { ValidationError, type StaffInput } from '@xero-access/model';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { dateTime } from '../http/date-time.js';
import { BadRequestField } from '../http/errors.js';

export const IMPORT_COLUMNS = [
  'email',
  'name',
  'orgRole',
  'status',
  'offboardedAt',
  'externalId',
] as const;
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

/** The CSV line of the first row (line 1 is the header). */
const CSV_FIRST_ROW_LINE = 2;

/** Where row `index` is, as errors name it: `line N` of a CSV, else the JSON array index. */
function rowLabel(index: number, csv: boolean): string {
  return csv ? `line ${index + CSV_FIRST_ROW_LINE}` : String(index);
}

/**
 * The model names an import row by its index (`3.email`); the caller sent a CSV line or a JSON
 * array element in the request body, so the error names that instead (`body.line 5.email`).
 */
export function importRowError(error: unknown, csv: boolean): unknown {
  if (!(error instanceof ValidationError)) return error;
  const row = /^(\d+)\.(.+)$/.exec(error.field);
  if (!row) return error;
  const problem = error.message.slice(`${error.field}: `.length);
  return new BadRequestField(`body.${rowLabel(Number(row[1]), csv)}.${row[2]}`, problem);
}

function validateRows(rows: unknown[], where: string, csv: boolean): StaffInput[] {
  if (rows.length > MAX_IMPORT_ROWS)
    throw new BadRequestField(where, `at most ${MAX_IMPORT_ROWS} rows per import`);
  return rows.map((r, i) => {
    const parsed = row.safeParse(r);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.join('.');
    throw new BadRequestField(
      `${where}.${rowLabel(i, csv)}.${field}`,
      issue.code === 'unrecognized_keys' ? 'unknown column' : issue.message,
    );
  });
}

/**
 * CSV with a header row naming IMPORT_COLUMNS (email and name required). Empty cells are null (the
 * value is cleared); a column the header leaves out stays absent (the member keeps its value).
 */
export function parseStaffCsv(text: string): StaffInput[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      max_record_size: 64 * 1024,
    }) as Record<string, string>[];
  } catch (error) {
    throw new BadRequestField('body', `not valid CSV: ${(error as Error).message}`);
  }
  const cleaned = records.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])),
  );
  return validateRows(cleaned, 'body', true);
}

export function parseStaffJson(rows: unknown[]): StaffInput[] {
  return validateRows(rows, 'body', false);
}
