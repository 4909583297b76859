import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readPolicyBundle, readPolicyWasm } from './read-bundle.js';

const WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

describe('readPolicyBundle', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  /** A gzipped tar of these files, as `opa build` lays a bundle out (tar names them ./<file>). */
  async function bundleOf(files: Record<string, string | Buffer>): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'xao-read-bundle-'));
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const path = join(dir, 'bundle.tar.gz');
    await promisify(execFile)('tar', ['-czf', path, '-C', dir, ...Object.keys(files)]);
    return path;
  }

  it('returns the module and the data document of a bundle', async () => {
    const path = await bundleOf({
      'policy.wasm': WASM,
      'data.json': '{"xeroaccess":{"config":{"max_advisers":2}}}',
    });
    await expect(readPolicyBundle(path)).resolves.toEqual({
      wasm: WASM,
      data: { xeroaccess: { config: { max_advisers: 2 } } },
    });
    await expect(readPolicyWasm(path)).resolves.toEqual(WASM);
  });

  it('has no data for a bare policy.wasm, or a bundle without /data.json', async () => {
    const path = await bundleOf({ 'policy.wasm': WASM });
    await expect(readPolicyBundle(path)).resolves.toEqual({ wasm: WASM, data: undefined });
    await expect(readPolicyBundle(join(dir, 'policy.wasm'))).resolves.toEqual({
      wasm: WASM,
      data: undefined,
    });
  });

  it("reads the manifest's revision; none when it is empty or the manifest unreadable", async () => {
    const manifest = (revision: string) => JSON.stringify({ revision, roots: [''] });
    const revisionOf = async (content: string) =>
      (await readPolicyBundle(await bundleOf({ 'policy.wasm': WASM, '.manifest': content })))
        .revision;
    expect(await revisionOf(manifest('0.1.0'))).toBe('0.1.0');
    expect(await revisionOf(manifest(''))).toBeUndefined();
    expect(await revisionOf('{"revision":')).toBeUndefined();
  });

  it('refuses a bundle whose data file is broken, naming the bundle and the file', async () => {
    const path = await bundleOf({ 'policy.wasm': WASM, 'data.json': '{"max_advisers": 2' });
    await expect(readPolicyBundle(path)).rejects.toThrow(
      `${path}: /data.json in the bundle is not valid JSON: `,
    );
  });

  it('refuses a data file that is not an object (the root of data)', async () => {
    const path = await bundleOf({ 'policy.wasm': WASM, 'data.json': '[2]' });
    await expect(readPolicyBundle(path)).rejects.toThrow(
      `${path}: /data.json in the bundle must hold a JSON object`,
    );
  });

  it('names the file when a gzipped bundle is truncated', async () => {
    const whole = await readFile(await bundleOf({ 'policy.wasm': WASM }));
    const cut = join(dir, 'cut.tar.gz');
    await writeFile(cut, whole.subarray(0, 30));
    await expect(readPolicyBundle(cut)).rejects.toThrow(`${cut}: cannot unpack the bundle: `);
  });

  // A tiny gzip "bomb" would otherwise unpack into all the memory there is.
  it('refuses a bundle that unpacks to more than 16 MiB', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-read-bundle-'));
    const bomb = join(dir, 'bundle.tar.gz');
    await writeFile(bomb, gzipSync(Buffer.alloc(17 * 1024 * 1024)));
    expect((await readFile(bomb)).length).toBeLessThan(64 * 1024);
    await expect(readPolicyBundle(bomb)).rejects.toThrow(
      `${bomb}: cannot unpack the bundle: it unpacks to more than 16 MiB`,
    );
  });
});
