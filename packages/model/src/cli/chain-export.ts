import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { ChainRecord } from '../hashing/snapshot-hash.js';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const chainRecordSchema = z.object({
  id: z.string().min(1),
  connection: z.string().min(1),
  tenantId: z.string().min(1),
  tenantName: z.string(),
  sequence: z.number().int().positive(),
  takenAt: z.iso.datetime({ offset: true }),
  contentHash: hex64,
  previousHash: hex64.nullable(),
  chainHash: hex64,
  contentText: z.string(),
});

/** A chain as exported for auditors: `{"chain": [...]}` or the bare array, oldest first. */
export function parseChainExport(text: string): ChainRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('file', 'is not JSON');
  }
  const list = Array.isArray(json) ? json : (json as { chain?: unknown } | null)?.chain;
  const parsed = z.array(chainRecordSchema).safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`chain.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  return parsed.data.map((r) => ({ ...r, takenAt: new Date(r.takenAt) }));
}

/** The JSON form of chain records (dates as ISO-8601), the inverse of parseChainExport. */
export function formatChainExport(records: readonly ChainRecord[]): string {
  return JSON.stringify(
    { chain: records.map((r) => ({ ...r, takenAt: r.takenAt.toISOString() })) },
    null,
    2,
  );
}
