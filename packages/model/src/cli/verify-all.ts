import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChainVerification } from '../hashing/snapshot-hash.js';
import {
  PROGRESS_EVERY_MS,
  recordsVerifiedProgress,
  type ChainExportProgress,
} from '../snapshots/chain-export.js';
import { safeErrorMessage } from '../logging/error-serializer.js';
import type { ChainGap } from '../services/chain-gaps.js';
import type { Database } from '../services/database.js';
import type { ChainRef } from '../services/snapshot-chain.js';
import { writeExport } from './write-export.js';

export interface VerifyAllOptions {
  /** Each line of the table, then the summary, as they come (stdout). */
  out(line: string): void;
  /**
   * `N of M chains verified so far` between chains, and `<chain>: N records verified so far`
   * within a long one (`recordsVerifiedProgress`), each at most every `everyMs` (stderr).
   */
  progress?(line: string): void;
  /** Default PROGRESS_EVERY_MS (10 s). */
  everyMs?: number;
  /** A folder that receives each chain's export, `<namespace>_<name>_<tenantId>.json`. */
  exportDir?: string;
}

export interface VerifyAllResult {
  chains: number;
  /** The chains that failed: problems, no snapshots, or an error while verifying them. */
  failed: ChainRef[];
  /** What the connection rows say is missing (`snapshots.chainGaps`). */
  gaps: ChainGap[];
}

const COLUMNS = ['CONNECTION', 'TENANT', 'SEQUENCES', 'HEAD', 'RESULT'];

const describe = ({ connection, tenantId }: ChainRef) =>
  `${connection.namespace}/${connection.name} tenant ${tenantId}`;

/** The file of a chain's export: neither a namespace nor a name can hold `_`. */
export function chainExportFile({ connection, tenantId }: ChainRef): string {
  return `${connection.namespace}_${connection.name}_${tenantId}.json`;
}

/** An empty chain proves nothing (README): listed, it is a checkpoint whose snapshots are gone. */
function failed(result: ChainVerification): boolean {
  return !result.ok || result.length === 0;
}

function resultText(result: ChainVerification): string {
  if (result.length === 0) return 'FAILED: no snapshots, only a checkpoint';
  const [first, ...rest] = result.problems;
  if (!first) return 'ok';
  const more = rest.length ? ` and ${rest.length} more problem${rest.length === 1 ? '' : 's'}` : '';
  return `FAILED: ${first.problem} at sequence ${first.sequence}${more}`;
}

/**
 * One tab-separated line. An intact chain's sequences run without a gap from the one after its
 * checkpoint (1 when never pruned) to its head; a failed chain has neither a run nor a head worth
 * keeping as an anchor.
 */
function chainLine(chain: ChainRef, result: ChainVerification): string {
  const first = (result.checkpoint?.sequence ?? 0) + 1;
  const ok = !failed(result);
  return [
    `${chain.connection.namespace}/${chain.connection.name}`,
    chain.tenantId,
    ok ? `${first}-${first + result.length - 1}` : '-',
    ok ? result.headHash! : '-',
    resultText(result),
  ].join('\t');
}

function failedLine(connection: ChainRef['connection'], tenantId: string | null, why: string) {
  return [
    `${connection.namespace}/${connection.name}`,
    tenantId ?? '-',
    '-',
    '-',
    `FAILED: ${why}`,
  ].join('\t');
}

const describeGap = ({ connection, tenantId }: ChainGap) =>
  `${connection.namespace}/${connection.name}${tenantId === null ? '' : ` tenant ${tenantId}`}`;

/**
 * Verifies every chain in the database (`snapshots.chains()`), one at a time, writing a line per
 * chain as it is verified and a summary naming the chains that failed. With `exportDir` each line
 * is the verification of exactly the export written, as `verify-chain --export` does.
 */
export async function verifyAllChains(
  db: Database,
  options: VerifyAllOptions,
): Promise<VerifyAllResult> {
  const chains = await db.snapshots.chains();
  const gaps = await db.snapshots.chainGaps();
  if (chains.length === 0 && gaps.length === 0) return { chains: 0, failed: [], gaps };
  if (options.exportDir) await mkdir(options.exportDir, { recursive: true });
  const everyMs = options.everyMs ?? PROGRESS_EVERY_MS;
  let reported = Date.now();
  const failures: ChainRef[] = [];
  options.out(COLUMNS.join('\t'));
  for (const [i, chain] of chains.entries()) {
    try {
      const progress =
        options.progress && recordsVerifiedProgress(describe(chain), options.progress, everyMs);
      const result = await verifyOne(db, chain, options.exportDir, progress);
      if (failed(result)) failures.push(chain);
      options.out(chainLine(chain, result));
    } catch (error) {
      // One chain that cannot be read (a row broken by hand) leaves the others to verify.
      failures.push(chain);
      options.out(
        failedLine(chain.connection, chain.tenantId, `error: ${safeErrorMessage(error)}`),
      );
    }
    if (options.progress && i + 1 < chains.length && Date.now() - reported >= everyMs) {
      reported = Date.now();
      options.progress(`${i + 1} of ${chains.length} chains verified so far`);
    }
  }
  for (const gap of gaps)
    options.out(failedLine(gap.connection, gap.tenantId, `${gap.problem}: ${gap.detail}`));
  const plural = chains.length === 1 ? 'chain' : 'chains';
  options.out(
    `${chains.length} ${plural} verified: ${chains.length - failures.length} intact, ${failures.length} failed` +
      (failures.length ? ` (${failures.map(describe).join(', ')})` : '') +
      (gaps.length
        ? `; ${gaps.length} missing or behind the connection's last sync (${gaps.map(describeGap).join(', ')})`
        : ''),
  );
  return { chains: chains.length, failed: failures, gaps };
}

async function verifyOne(
  db: Database,
  chain: ChainRef,
  exportDir: string | undefined,
  progress: ChainExportProgress | undefined,
): Promise<ChainVerification> {
  if (!exportDir) return db.snapshots.verifyChain(chain.connection, chain.tenantId, { progress });
  const stream = await db.snapshots.exportChain(chain.connection, chain.tenantId, { progress });
  // A checkpoint without snapshots has nothing to export.
  if (!stream) return { ok: true, length: 0, headSequence: null, headHash: null, problems: [] };
  return writeExport(stream, join(exportDir, chainExportFile(chain)));
}
