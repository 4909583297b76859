import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canaryInputs } from './canary.js';

describe('canaryInputs', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Kept, a failed read would refuse every later bundle until the process restarts.
  it('reads the file again after a read that failed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-canary-'));
    const file = join(dir, 'input.json');
    await expect(canaryInputs(file)).rejects.toThrow('ENOENT');
    await copyFile(new URL('../examples/input.json', import.meta.url), file);
    const [example, unmapped] = await canaryInputs(file);
    expect(example!.connection.accessControl).toBeDefined();
    expect(unmapped!.connection.accessControl).toBeUndefined();
    expect(await canaryInputs(file)).toEqual([example, unmapped]);
  });
});
