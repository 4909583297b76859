import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, type BuiltBundle } from '../opa/build.js';

/** Builds the checks (plus `include`) from source into a fresh temporary folder. */
export async function buildFresh(include: string[] = []): Promise<BuiltBundle> {
  return buildBundle({ include, outDir: await mkdtemp(join(tmpdir(), 'xao-policies-')) });
}
