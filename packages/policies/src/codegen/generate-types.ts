import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

/** Each JSON Schema and the TypeScript module generated from it: the schema is the one source. */
export const GENERATED = [
  { schema: '../schema/policy-input.schema.json', output: '../generated/policy-input.ts' },
  { schema: '../schema/policy-output.schema.json', output: '../generated/policy-output.ts' },
] as const;

const BANNER = '/* Generated from src/schema by `npm run generate`: do not edit by hand. */';

function here(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/** The TypeScript source for one schema, as `npm run generate` writes it. */
export async function renderTypes(schemaPath: string): Promise<string> {
  const schema = JSON.parse(await readFile(here(schemaPath), 'utf8')) as JSONSchema;
  return compile(schema, schema.title ?? 'Schema', {
    bannerComment: BANNER,
    additionalProperties: false,
    style: { printWidth: 100, singleQuote: true, trailingComma: 'all' },
  });
}

export async function writeGeneratedTypes(): Promise<string[]> {
  const written: string[] = [];
  for (const { schema, output } of GENERATED) {
    await writeFile(here(output), await renderTypes(schema));
    written.push(here(output));
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const path of await writeGeneratedTypes()) console.log(`wrote ${path}`);
}
