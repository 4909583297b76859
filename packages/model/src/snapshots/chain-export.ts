import { createReadStream } from 'node:fs';
import { JSONParser } from '@streamparser/json';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { ExpectedLink } from '../hashing/expected-link.js';
import {
  ChainVerifier,
  type ChainCheckpoint,
  type ChainEntry,
  type ChainIdentity,
  type ChainRecord,
  type ChainVerification,
} from '../hashing/snapshot-hash.js';
import { withoutByteOrderMark } from './byte-order-mark.js';

export const CHAIN_EXPORT_KIND = 'xero-access-snapshot-chain';
/**
 * 2: each distinct content once in `contents`, records refer to it by `contentHash`.
 * 1: every record carried its own `contentText` (`GET /snapshots/chain` as `records`,
 * `xao-model verify-chain --export` as `{"chain": [...]}`); still read, never written.
 */
export const CHAIN_EXPORT_VERSION = 2;

/**
 * A tenant's chain as it is read for export, in order: each distinct content once, then the
 * entries oldest first, a page at a time.
 */
export type ChainPart =
  { kind: 'content'; hash: string; text: string } | { kind: 'entries'; entries: ChainEntry[] };

/**
 * A chain export as it is read back, in file order: a content (version 2), or the records read
 * from one chunk of the file: version 2 `entries` refer to a content, version 1 `records` carry
 * their own text; `chain` once both `connection` and `tenantId` of the file are read.
 */
export type ChainExportPart =
  | ChainPart
  | { kind: 'records'; records: ChainRecord[] }
  | { kind: 'checkpoint'; checkpoint: ChainCheckpoint }
  | { kind: 'chain'; chain: ChainIdentity };

export function verifyPart(verifier: ChainVerifier, part: ChainExportPart): void {
  if (part.kind === 'chain') verifier.identify(part.chain);
  else if (part.kind === 'checkpoint') verifier.start(part.checkpoint);
  else if (part.kind === 'content') verifier.addContent(part.hash, part.text);
  else if (part.kind === 'entries') for (const entry of part.entries) verifier.addEntry(entry);
  else for (const record of part.records) verifier.add(record);
}

function exportedEntry(e: ChainEntry): string {
  return JSON.stringify({
    id: e.id,
    connection: e.connection,
    tenantId: e.tenantId,
    tenantName: e.tenantName,
    sequence: e.sequence,
    takenAt: e.takenAt.toISOString(),
    contentHash: e.contentHash,
    previousHash: e.previousHash,
    chainHash: e.chainHash,
  });
}

/**
 * The export (version 2) as text, one content or one page of records per piece, so it can be
 * written as it is read: `{kind, version, connection, tenantId, checkpoint?, contents: {hash:
 * text}, records: [...], verification}`, `checkpoint` only for a pruned chain. `verifier` sees
 * every part and holds the verification of exactly what was written once the pieces run out.
 */
export async function* chainExportText(
  chain: { connection: string; tenantId: string; checkpoint?: ChainCheckpoint },
  parts: AsyncIterable<ChainPart>,
  verifier: ChainVerifier,
): AsyncGenerator<string> {
  const { checkpoint, ...about } = chain;
  verifier.identify(about);
  const head = {
    kind: CHAIN_EXPORT_KIND,
    version: CHAIN_EXPORT_VERSION,
    ...about,
    ...(checkpoint && {
      checkpoint: {
        sequence: checkpoint.sequence,
        chainHash: checkpoint.chainHash,
        takenAt: checkpoint.takenAt.toISOString(),
      },
    }),
  };
  if (checkpoint) verifier.start(checkpoint);
  yield `${JSON.stringify(head).slice(0, -1)},\n"contents":{`;
  let section: 'contents' | 'records' = 'contents';
  let first = true;
  for await (const part of parts) {
    verifyPart(verifier, part);
    if (part.kind === 'content') {
      if (section !== 'contents') throw new Error('chain export: a content after the records');
      yield `${first ? '\n' : ',\n'}${JSON.stringify(part.hash)}:${JSON.stringify(part.text)}`;
      first = false;
      continue;
    }
    if (part.entries.length === 0) continue;
    if (section === 'contents') {
      yield '\n},\n"records":[';
      section = 'records';
      first = true;
    }
    yield `${first ? '\n' : ',\n'}${part.entries.map(exportedEntry).join(',\n')}`;
    first = false;
  }
  if (section === 'contents') yield '\n},\n"records":[';
  yield `\n],\n"verification":${JSON.stringify(verifier.result())}}\n`;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 (64 lowercase hex digits)');
const entryFields = {
  id: z.string().min(1),
  connection: z.string().min(1),
  tenantId: z.string().min(1),
  tenantName: z.string(),
  sequence: z.number().int().positive(),
  takenAt: z.iso.datetime({ offset: true }),
  contentHash: hex64,
  previousHash: hex64.nullable(),
  chainHash: hex64,
};
const v1Record = z.object({ ...entryFields, contentText: z.string() });
const checkpointFields = z
  .object({
    sequence: z.number().int().positive(),
    chainHash: hex64,
    takenAt: z.iso.datetime({ offset: true }),
  })
  .strict();
const v2Entry = z.object(entryFields).strict();

function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [prefix, ...(issue?.path.map(String) ?? [])].filter(Boolean).join('.');
  throw new ValidationError(field || 'file', issue?.message ?? 'invalid');
}

/** A value the parser handed over, kept no longer than the chunk it was read from. */
interface Found {
  /** 0: the whole file (not an object or array); 1: a member of it; 2: a member of that. */
  depth: number;
  /** At depth 2, the member of the file it is in: `contents`, `records` or `chain`. */
  section: string | undefined;
  key: string | number | undefined;
  value: unknown;
  inArray: boolean;
}

/** An object's members, and the members of its sections one at a time; a bare array's records. */
const OBJECT_PATHS = ['$.*', '$.contents.*', '$.records.*', '$.chain.*'];

function firstNonBlank(chunk: string | Uint8Array): string | undefined {
  for (let i = 0; i < chunk.length; i++) {
    const c = typeof chunk === 'string' ? chunk.charCodeAt(i) : chunk[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return String.fromCharCode(c);
  }
  return undefined;
}

function notJson(error: unknown): ValidationError {
  const detail = (error instanceof Error ? error.message : String(error)).replace(
    / at chunk position "\d+" \(absolute position "(\d+)"\)/,
    ' at byte $1',
  );
  return new ValidationError('file', `is not JSON (${detail})`);
}

/** Reads one export a chunk at a time; memory holds one chunk's values, never the file. */
class ExportReader {
  private parser: JSONParser | undefined;
  private form: 'array' | 'object' | 'other' = 'other';
  private found: Found[] = [];
  private kind: unknown;
  private version: unknown;
  /** The chain the file names: every record must be of it. */
  private connection: string | undefined;
  private tenantId: string | undefined;
  private verification = false;
  private readonly sections = new Set<string>();
  private records = 0;
  /** The first record read by its shape before any `version`: checked against it at the end. */
  private firstEntry: string | undefined;
  private firstV1Record: string | undefined;

  *write(chunk: string | Uint8Array): Generator<ChainExportPart> {
    if (!this.parser) {
      const first = firstNonBlank(chunk);
      if (first === undefined) return;
      this.form = first === '[' ? 'array' : first === '{' ? 'object' : 'other';
      this.parser = this.open();
    }
    try {
      this.parser.write(chunk);
    } catch (error) {
      throw notJson(error);
    }
    yield* this.drain();
  }

  *end(): Generator<ChainExportPart> {
    if (!this.parser) throw new ValidationError('file', 'is empty');
    if (!this.parser.isEnded) {
      try {
        this.parser.end();
      } catch {
        const trailer = this.kind === undefined ? '' : ', before its closing "verification"';
        throw new ValidationError(
          'file',
          `ends mid-export, after ${this.records} records${trailer}: an interrupted download or a truncated copy; download it again`,
        );
      }
    }
    yield* this.drain();
    this.check();
  }

  private open(): JSONParser {
    const paths = this.form === 'object' ? OBJECT_PATHS : this.form === 'array' ? ['$.*'] : ['$'];
    const parser = new JSONParser({ paths });
    parser.onValue = ({ value, key, parent, stack }) => {
      const section = stack.length === 2 ? String(stack[1]!.key) : undefined;
      const inArray = Array.isArray(parent);
      this.found.push({ depth: stack.length, section, key, value, inArray });
      // Handed over, so the parser keeps none of it. (Its `keepStack: false` would still keep
      // every record once `$.*` asks for `records` itself, to learn that an empty one is there.)
      if (inArray) parent.length -= 1;
      else if (parent && key !== undefined) delete parent[key];
    };
    return parser;
  }

  /** The values of the chunk just read, as parts: the records of one chunk together. */
  private *drain(): Generator<ChainExportPart> {
    const found = this.found;
    this.found = [];
    let batch: ChainExportPart | undefined;
    for (const item of found) {
      const part = this.take(item);
      if (!part) continue;
      if (batch?.kind === 'entries' && part.kind === 'entries') batch.entries.push(...part.entries);
      else if (batch?.kind === 'records' && part.kind === 'records')
        batch.records.push(...part.records);
      else {
        if (batch) yield batch;
        batch = part;
      }
    }
    if (batch) yield batch;
  }

  private take({ depth, section, key, value, inArray }: Found): ChainExportPart | undefined {
    if (depth === 0)
      throw new ValidationError('file', 'is not a snapshot chain export (a JSON object)');
    if (this.form === 'array') return this.record('chain', key, value);
    if (depth === 2) {
      if (section === 'contents') return this.content(key, value, inArray);
      return this.record(section!, key, value);
    }
    switch (key) {
      case 'kind':
        if (value !== CHAIN_EXPORT_KIND)
          throw new ValidationError(
            'kind',
            `must be ${CHAIN_EXPORT_KIND} (a snapshot chain export)`,
          );
        this.kind = value;
        break;
      case 'version':
        if (value !== 1 && value !== 2)
          throw new ValidationError(
            'version',
            `is ${JSON.stringify(value)}: this verifier reads versions 1 and 2 (a newer export needs a newer verifier)`,
          );
        this.version = value;
        break;
      case 'verification':
        this.verification = true;
        break;
      case 'connection':
      case 'tenantId':
        this[key] = parseWith(z.string().min(1), value, key);
        if (this.connection === undefined || this.tenantId === undefined) break;
        return { kind: 'chain', chain: { connection: this.connection, tenantId: this.tenantId } };
      case 'checkpoint': {
        if (this.records > 0)
          throw new ValidationError(
            'checkpoint',
            'comes after records: the chain starts from it, so it comes first',
          );
        const checkpoint = parseWith(checkpointFields, value, 'checkpoint');
        return {
          kind: 'checkpoint',
          checkpoint: { ...checkpoint, takenAt: new Date(checkpoint.takenAt) },
        };
      }
      case 'records':
      case 'chain':
        if (!Array.isArray(value)) throw new ValidationError(key, 'must be an array');
        this.sections.add(key);
        break;
      case 'contents':
        this.sections.add(key);
        break;
    }
    return undefined;
  }

  private content(key: Found['key'], text: unknown, inArray: boolean): ChainExportPart | undefined {
    // Version 1 records carry their own text; it had no contents.
    if (this.version === 1) return undefined;
    if (inArray) throw new ValidationError('contents', 'must be an object of {contentHash: text}');
    const hash = parseWith(hex64, key, 'contents');
    if (this.records > 0)
      throw new ValidationError(
        `contents.${hash}`,
        'comes after records: the contents come before the records that refer to them',
      );
    return { kind: 'content', hash, text: parseWith(z.string(), text, `contents.${hash}`) };
  }

  private record(section: string, key: Found['key'], value: unknown): ChainExportPart {
    this.records++;
    const field = `${section}.${String(key)}`;
    const carriesText = value !== null && typeof value === 'object' && 'contentText' in value;
    // Before its `version` (a file with sorted keys has it last), a record is read by its shape.
    if (section === 'records' && this.version === undefined) {
      if (carriesText) this.firstV1Record ??= field;
      else this.firstEntry ??= field;
    }
    if (section === 'chain' || this.version === 1 || (this.version === undefined && carriesText))
      return { kind: 'records', records: withDates([parseWith(v1Record, value, field)]) };
    return { kind: 'entries', entries: withDates([parseWith(v2Entry, value, field)]) };
  }

  /** What only the whole file tells: which export it is, and that all of it is there. */
  private check(): void {
    if (this.form === 'array') return;
    if (this.kind === undefined) {
      // `{"chain": [...]}`: xao-model's version 1, the one export without a kind.
      if (this.sections.has('chain') && this.sections.size === 1) return;
      throw new ValidationError('kind', `must be ${CHAIN_EXPORT_KIND} (a snapshot chain export)`);
    }
    if (this.sections.has('chain'))
      throw new ValidationError('chain', `is not part of a ${CHAIN_EXPORT_KIND} (it has records)`);
    // Half a name would leave the records checked against their first one alone.
    if (this.connection !== undefined && this.tenantId === undefined)
      throw new ValidationError(
        'tenantId',
        'is missing: the file names a connection, not a tenant',
      );
    if (this.tenantId !== undefined && this.connection === undefined)
      throw new ValidationError(
        'connection',
        'is missing: the file names a tenant, not a connection',
      );
    // The API's version 1 always said so, but the admin-api CLI read any file with `records`.
    if (this.version !== 2) {
      if (this.firstEntry)
        throw new ValidationError(`${this.firstEntry}.contentText`, 'is required in version 1');
      return;
    }
    if (this.firstV1Record)
      throw new ValidationError(
        this.firstV1Record,
        'carries contentText: a version 2 record refers to its content in contents',
      );
    if (this.connection === undefined)
      throw new ValidationError('connection', 'is missing: a version 2 export names its chain');
    if (!this.verification)
      throw new ValidationError(
        'verification',
        'is missing: a version 2 export ends with it, so this one was cut short or edited',
      );
  }
}

function withDates<T extends { takenAt: string }>(records: T[]): (T & { takenAt: Date })[] {
  return records.map((r) => ({ ...r, takenAt: new Date(r.takenAt) }));
}

/**
 * Reads every chain export that has been produced, as it arrives: version 2, and version 1 both
 * as the API wrote it (`{kind, version: 1, records}`) and as `xao-model --export` did
 * (`{"chain": [...]}`, or the bare array). `source` is the whole text or its chunks (a file
 * stream), with or without a leading UTF-8 byte order mark: memory holds one chunk's records,
 * whatever the size of the file. A malformed or incomplete file is a ValidationError naming the
 * field, thrown when it is reached (a verifier only has a result once the whole file is read).
 */
export async function* parseChainExport(
  source: string | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
): AsyncGenerator<ChainExportPart> {
  const reader = new ExportReader();
  for await (const chunk of withoutByteOrderMark(typeof source === 'string' ? [source] : source))
    yield* reader.write(chunk);
  yield* reader.end();
}

/** Progress of a long verification, of an export file or of a chain read from the database. */
export interface ChainExportProgress {
  /** The least time between two reports. */
  everyMs: number;
  /** The records verified so far. */
  report(records: number): void;
}

/** How often the CLIs report a long verification's progress (`--progress-every`'s default). */
export const PROGRESS_EVERY_MS = 10_000;

/**
 * Counts the records verified, `add(n)` as each batch is, and hands `progress` the count at most
 * every `everyMs`: the one progress reporter of every verification (an export file, a chain read
 * from the database, a chain exported from it).
 */
export function recordProgress(progress: ChainExportProgress | undefined): (added: number) => void {
  let records = 0;
  let reported = Date.now();
  return (added) => {
    if (added === 0) return;
    records += added;
    if (progress && Date.now() - reported >= progress.everyMs) {
      reported = Date.now();
      progress.report(records);
    }
  };
}

/**
 * The CLIs' progress: `<chain>: N records verified so far` to `line` (their stderr: stdout holds
 * only the result) at most every `everyMs`; `chain` names the file or the chain verified.
 */
export function recordsVerifiedProgress(
  chain: string,
  line: (text: string) => void,
  everyMs = PROGRESS_EVERY_MS,
): ChainExportProgress {
  return {
    everyMs,
    report: (records) =>
      line(`${chain}: ${records} record${records === 1 ? '' : 's'} verified so far`),
  };
}

/**
 * Verifies an export as it is read, as the database chain is verified but for the diffs and
 * counts (the export holds none); no database. `expect`: links it must hold (`ChainVerifier.expect`).
 */
export async function verifyChainExport(
  parts: AsyncIterable<ChainExportPart>,
  progress?: ChainExportProgress,
  expect: readonly ExpectedLink[] = [],
): Promise<ChainVerification> {
  const verifier = new ChainVerifier();
  verifier.expect(expect);
  const verified = recordProgress(progress);
  for await (const part of parts) {
    verifyPart(verifier, part);
    if (part.kind === 'content' || part.kind === 'checkpoint' || part.kind === 'chain') continue;
    verified(part.kind === 'entries' ? part.entries.length : part.records.length);
  }
  return verifier.result();
}

/**
 * Verifies an export file read as a stream: memory does not grow with the file. `progress` gets
 * `<path>: N records verified so far` at most every `everyMs`, for a long verification.
 */
export function verifyChainExportFile(
  path: string,
  progress?: (line: string) => void,
  everyMs = PROGRESS_EVERY_MS,
  expect: readonly ExpectedLink[] = [],
): Promise<ChainVerification> {
  return verifyChainExport(
    parseChainExport(createReadStream(path)),
    progress && recordsVerifiedProgress(path, progress, everyMs),
    expect,
  );
}
