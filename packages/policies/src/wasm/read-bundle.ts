import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * The policy module from what `opa build -t wasm` writes: either the bundle (`bundle.tar.gz`,
 * holding `/policy.wasm`) or the extracted `policy.wasm`. Recognised by content, not name,
 * because a ConfigMap key can be called anything.
 */
export async function readPolicyWasm(path: string): Promise<Buffer> {
  return policyWasmFrom(await readFile(path), path);
}

export function policyWasmFrom(bytes: Buffer, source: string): Buffer {
  if (bytes.subarray(0, 4).equals(WASM_MAGIC)) return bytes;
  if (bytes.subarray(0, 2).equals(GZIP_MAGIC)) {
    const wasm = tarEntry(gunzipSync(bytes), '/policy.wasm');
    if (!wasm)
      throw new Error(
        `${source}: bundle has no /policy.wasm (build it with \`opa build -t wasm\`)`,
      );
    return wasm;
  }
  throw new Error(`${source}: neither a WebAssembly module nor a gzipped OPA bundle`);
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
