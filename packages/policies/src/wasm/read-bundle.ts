import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { PolicyBundleError } from '../bundle-error.js';

const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** Where `opa build` puts every data.json/data.yaml of the Rego folders, merged into one document. */
const DATA_FILE = '/data.json';
const MANIFEST_FILE = '/.manifest';

/**
 * The most an OPA bundle may unpack to. Ours is about 0.5 MiB (policy.wasm and the data), and a
 * ConfigMap holds at most 1 MiB of gzip: without a cap, a tiny gzip "bomb" unpacks to gigabytes.
 */
export const MAX_UNPACKED_BUNDLE_BYTES = 16 * 1024 * 1024;

/** What the evaluator needs from a build: the module, and the data its rules may read. */
export interface PolicyBundle {
  wasm: Buffer;
  /** The bundle's `/data.json` (the base document `data`); undefined for a bare policy.wasm. */
  data: Record<string, unknown> | undefined;
  /**
   * The bundle's `/.manifest` revision (`opa build --revision`; `xero-policies build` gives the
   * version of this package); undefined for a bare policy.wasm or when none was given.
   */
  revision?: string;
}

/**
 * The module and data from what `opa build -t wasm` writes: either the bundle (`bundle.tar.gz`,
 * holding `/policy.wasm` and `/data.json`) or the extracted `policy.wasm` (which has no data).
 * Recognised by content, not name, because a ConfigMap key can be called anything.
 */
export async function readPolicyBundle(path: string): Promise<PolicyBundle> {
  return policyBundleFrom(await readFile(path), path);
}

/** Only the module (e.g. to write policy.wasm beside the bundle). */
export async function readPolicyWasm(path: string): Promise<Buffer> {
  return (await readPolicyBundle(path)).wasm;
}

export function policyBundleFrom(bytes: Buffer, source: string): PolicyBundle {
  if (bytes.subarray(0, 4).equals(WASM_MAGIC)) return { wasm: bytes, data: undefined };
  if (!bytes.subarray(0, 2).equals(GZIP_MAGIC))
    throw new PolicyBundleError(`${source}: neither a WebAssembly module nor a gzipped OPA bundle`);
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BUNDLE_BYTES });
  } catch (error) {
    const tooLarge = (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new PolicyBundleError(
      tooLarge
        ? `${source}: cannot unpack the bundle: it unpacks to more than ${MAX_UNPACKED_BUNDLE_BYTES / 1024 / 1024} MiB`
        : `${source}: cannot unpack the bundle: ${(error as Error).message}`,
    );
  }
  const wasm = tarEntry(tar, '/policy.wasm');
  if (!wasm)
    throw new PolicyBundleError(
      `${source}: bundle has no /policy.wasm (build it with \`opa build -t wasm\`)`,
    );
  const data = tarEntry(tar, DATA_FILE);
  return { wasm, data: data && parseData(data, source), revision: revisionOf(tar) };
}

/** Metadata only: a manifest without a usable revision leaves it undefined rather than refusing the bundle. */
function revisionOf(tar: Buffer): string | undefined {
  const manifest = tarEntry(tar, MANIFEST_FILE);
  if (!manifest) return undefined;
  try {
    const { revision } = JSON.parse(manifest.toString('utf8')) as { revision?: unknown };
    return typeof revision === 'string' && revision !== '' ? revision : undefined;
  } catch {
    return undefined;
  }
}

function parseData(bytes: Buffer, source: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new PolicyBundleError(
      `${source}: ${DATA_FILE} in the bundle is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new PolicyBundleError(
      `${source}: ${DATA_FILE} in the bundle must hold a JSON object (data's root)`,
    );
  return data as Record<string, unknown>;
}

/** The content of one file in a ustar archive (OPA bundles hold a handful of small files). */
function tarEntry(tar: Buffer, wanted: string): Buffer | undefined {
  const normalise = (name: string) => '/' + name.replace(/^\.?\/+/, '');
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return undefined;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const body = offset + 512;
    if ((type === '0' || type === '') && normalise(name) === wanted)
      return tar.subarray(body, body + size);
    offset = body + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
