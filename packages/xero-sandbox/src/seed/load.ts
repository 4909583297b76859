import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseSeed, type ParsedSeed } from './schema.js';

/** Reads a seed file (`.json`, or `.yaml`/`.yml`) and validates it. */
export async function loadSeedFile(path: string): Promise<ParsedSeed> {
  const text = await readFile(path, 'utf8');
  const extension = extname(path).toLowerCase();
  let data: unknown;
  try {
    data =
      extension === '.yaml' || extension === '.yml'
        ? parseYaml(text, { maxAliasCount: -1 })
        : JSON.parse(text);
  } catch (error) {
    throw new Error(
      `seed file ${path}: not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  try {
    return parseSeed(data);
  } catch (error) {
    throw new Error(`seed file ${path}: ${(error as Error).message}`);
  }
}
