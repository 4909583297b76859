import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ChainVerification } from '../hashing/snapshot-hash.js';
import type { ChainExportStream } from '../services/snapshot-chain.js';

/** Writes the export as it is read (a partial file is removed) and returns its verification. */
export async function writeExport(
  stream: ChainExportStream,
  path: string,
): Promise<ChainVerification> {
  try {
    await pipeline(Readable.from(stream.text()), createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return stream.verification();
}
