import { parse, type Info } from 'csv-parse/sync';
import { BadRequestField } from '../http/errors.js';

/** A data row of a CSV: its cells by column name (an empty cell is null), and where it starts. */
export interface CsvRow {
  line: number;
  cells: Record<string, string | null>;
}

export interface CsvColumns {
  /** The column names the header may use, as rows are keyed (matched ignoring case). */
  known: readonly string[];
  /** Those the header must name. */
  required: readonly string[];
}

const MAX_NAME_SHOWN = 40;

const quoted = (name: string) =>
  JSON.stringify(name.length > MAX_NAME_SHOWN ? `${name.slice(0, MAX_NAME_SHOWN)}…` : name);

/**
 * Reads a CSV whose first line is a header naming its columns. The header is checked before any
 * row (unknown, unnamed, repeated or missing columns, a file separated by something other than
 * commas), and every error names the line a row starts on, counting blank lines and cells that
 * span lines. Empty lines are skipped, cells trimmed.
 */
export function readCsvTable(text: string, columns: CsvColumns): CsvRow[] {
  const bytes = Buffer.from(text, 'utf8');
  let parsed: { record: string[]; info: Info }[];
  try {
    parsed = parse(bytes, {
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      // Each row's cell count is checked below, naming the line the row starts on.
      relax_column_count: true,
      max_record_size: 64 * 1024,
    }) as unknown as { record: string[]; info: Info }[];
  } catch (error) {
    throw new BadRequestField('body', `not valid CSV: ${(error as Error).message}`);
  }
  const records = withStartLines(bytes, parsed);
  const [header, ...rows] = records;
  if (!header) return [];
  const names = headerNames(header.record, `body.line ${header.line}`, columns);
  return rows.map(({ record, line }) => {
    if (record.length !== names.length)
      throw new BadRequestField(
        `body.line ${line}`,
        `has ${record.length} cells where the header has ${names.length}`,
      );
    return {
      line,
      cells: Object.fromEntries(
        names.map((name, i) => [name, record[i] === '' ? null : record[i]!]),
      ),
    };
  });
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];

/** Line breaks (LF, CRLF or a lone CR) in bytes[from, to). */
function lineBreaks(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i += 1)
    if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) count += 1;
  return count;
}

/**
 * The line each record starts on. csv-parse's own line count takes the CRLF inside a quoted cell
 * for two lines; its byte count is exact: each record ends where info.bytes says, and the next
 * starts after the empty lines that follow (and the byte order mark, before the first).
 */
function withStartLines(bytes: Buffer, parsed: { record: string[]; info: Info }[]) {
  let at = BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
  let line = 1;
  return parsed.map(({ record, info }) => {
    let start = at;
    while (start < info.bytes && (bytes[start] === LF || bytes[start] === CR)) start += 1;
    line += lineBreaks(bytes, at, start);
    const startLine = line;
    line += lineBreaks(bytes, start, info.bytes);
    at = info.bytes;
    return { record, line: startLine };
  });
}

/** The header's column names as `columns.known` spells them, or a 400 naming the problem. */
function headerNames(header: string[], field: string, columns: CsvColumns): string[] {
  const separator = header.length === 1 ? /[;\t|]/.exec(header[0]!)?.[0] : undefined;
  if (separator)
    throw new BadRequestField(
      field,
      `the header is one column, ${quoted(header[0]!)}: is the file separated by ${separator === '\t' ? 'tabs' : `"${separator}"`}? Separate columns with ","`,
    );
  const byLowerCase = new Map(columns.known.map((name) => [name.toLowerCase(), name]));
  const names = header.map((cell, i) => {
    if (cell === '') throw new BadRequestField(field, `column ${i + 1} of the header has no name`);
    const name = byLowerCase.get(cell.toLowerCase());
    if (!name)
      throw new BadRequestField(
        field,
        `unknown column ${quoted(cell)}; the columns are ${columns.known.join(', ')}`,
      );
    const first = header.findIndex((other) => other.toLowerCase() === cell.toLowerCase());
    if (first !== i)
      throw new BadRequestField(field, `columns ${first + 1} and ${i + 1} both name ${name}`);
    return name;
  });
  const missing = columns.required.filter((name) => !names.includes(name));
  if (missing.length)
    throw new BadRequestField(
      field,
      `the header has no ${missing.join(' or ')} column (${columns.required.join(' and ')} are required)`,
    );
  return names;
}
