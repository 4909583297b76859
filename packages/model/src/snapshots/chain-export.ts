import { z } from 'zod';
import { ValidationError } from '../errors.js';
import {
  ChainVerifier,
  type ChainEntry,
  type ChainRecord,
  type ChainVerification,
} from '../hashing/snapshot-hash.js';

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

export function verifyPart(verifier: ChainVerifier, part: ChainPart): void {
  if (part.kind === 'content') verifier.addContent(part.hash, part.text);
  else for (const entry of part.entries) verifier.addEntry(entry);
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
 * written as it is read: `{kind, version, connection, tenantId, contents: {hash: text},
 * records: [...], verification}`. `verifier` sees every part and holds the verification of
 * exactly what was written once the pieces run out.
 */
export async function* chainExportText(
  chain: { connection: string; tenantId: string },
  parts: AsyncIterable<ChainPart>,
  verifier: ChainVerifier,
): AsyncGenerator<string> {
  const head = { kind: CHAIN_EXPORT_KIND, version: CHAIN_EXPORT_VERSION, ...chain };
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

/** A chain export as read back, whatever its version. */
export interface ChainExport {
  version: 1 | 2;
  /** Version 2: the contents by hash (version 1: empty, each record carries its own). */
  contents: ReadonlyMap<string, string>;
  /** Oldest first. */
  records: (ChainEntry | ChainRecord)[];
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
const v1Records = z.array(z.object({ ...entryFields, contentText: z.string() }));
const v2Export = z.object({
  contents: z.record(hex64, z.string()),
  records: z.array(z.object(entryFields).strict()),
});

function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [prefix, ...(issue?.path.map(String) ?? [])].filter(Boolean).join('.');
  throw new ValidationError(field || 'file', issue?.message ?? 'invalid');
}

function withDates<T extends { takenAt: string }>(records: T[]): (T & { takenAt: Date })[] {
  return records.map((r) => ({ ...r, takenAt: new Date(r.takenAt) }));
}

function version1(records: unknown, prefix: string): ChainExport {
  return {
    version: 1,
    contents: new Map(),
    records: withDates(parseWith(v1Records, records, prefix)),
  };
}

/**
 * Reads every chain export that has been produced: version 2, and version 1 both as the API
 * wrote it (`{kind, version: 1, records}`) and as `xao-model --export` did (`{"chain": [...]}`,
 * or the bare array). A malformed file is a ValidationError naming the field.
 */
export function parseChainExport(text: string): ChainExport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('file', 'is not JSON');
  }
  if (Array.isArray(json)) return version1(json, 'chain');
  if (json === null || typeof json !== 'object')
    throw new ValidationError('file', 'is not a snapshot chain export (a JSON object)');
  const file = json as Record<string, unknown>;
  if ('chain' in file && !('kind' in file)) return version1(file.chain, 'chain');
  if (file.kind !== CHAIN_EXPORT_KIND)
    throw new ValidationError('kind', `must be ${CHAIN_EXPORT_KIND} (a snapshot chain export)`);
  // The API's version 1 always said so, but the admin-api CLI read any file with `records`.
  if (file.version === 1 || file.version === undefined) return version1(file.records, 'records');
  if (file.version !== 2)
    throw new ValidationError(
      'version',
      `is ${JSON.stringify(file.version)}: this verifier reads versions 1 and 2 (a newer export needs a newer verifier)`,
    );
  const parsed = parseWith(v2Export, file, '');
  return {
    version: 2,
    contents: new Map(Object.entries(parsed.contents)),
    records: withDates(parsed.records),
  };
}

/** Verifies a parsed export exactly as the database chain is verified; pure, no database. */
export function verifyChainExport(exported: ChainExport): ChainVerification {
  const verifier = new ChainVerifier();
  for (const [hash, text] of exported.contents) verifier.addContent(hash, text);
  for (const record of exported.records) {
    if ('contentText' in record) verifier.add(record);
    else verifier.addEntry(record);
  }
  return verifier.result();
}
