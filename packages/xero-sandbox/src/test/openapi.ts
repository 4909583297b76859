import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/** Xero's OpenAPI descriptions (XeroAPI/Xero-OpenAPI 16.1.0, MIT), vendored beside this package. */
const specPath = (file: string): string =>
  fileURLToPath(new URL(`../../openapi/${file}`, import.meta.url));

type Json = Record<string, unknown>;

/**
 * Fields Xero sends that the component schemas leave out: the accounting envelope on every
 * list response, and `scope` on token responses (OAuth 2 section 5.1).
 */
const DOCUMENTED_EXTRAS: Record<string, Json> = {
  Users: {
    Id: { type: 'string', format: 'uuid' },
    Status: { type: 'string' },
    ProviderName: { type: 'string' },
    DateTimeUTC: { type: 'string', pattern: '^/Date\\(\\d+\\)/$' },
  },
  AccessToken: { scope: { type: 'string' } },
};
DOCUMENTED_EXTRAS.Organisations = DOCUMENTED_EXTRAS.Users!;
DOCUMENTED_EXTRAS.Currencies = DOCUMENTED_EXTRAS.Users!;

/**
 * OpenAPI 3.0 schema objects → JSON Schema for ajv: every object schema with `properties`
 * becomes closed (`additionalProperties: false`) so a misspelt or invented field fails,
 * and `x-is-msdate(-time)` strings must be Microsoft JSON dates.
 */
function tighten(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tighten);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = tighten(value);
  if (
    out.properties &&
    typeof out.properties === 'object' &&
    out.additionalProperties === undefined
  )
    out.additionalProperties = false;
  if (out['x-is-msdate-time'] === true || out['x-is-msdate'] === true)
    out.pattern = '^/Date\\(-?\\d+([+-]\\d{4})?\\)/$';
  return out;
}

function loadComponents(file: string): Json {
  const spec = parseYaml(readFileSync(specPath(file), 'utf8'), { maxAliasCount: -1 }) as {
    components: { schemas: Json };
  };
  const schemas = tighten(spec.components.schemas) as Record<string, Json>;
  for (const [name, extras] of Object.entries(DOCUMENTED_EXTRAS)) {
    const schema = schemas[name];
    if (schema) schema.properties = { ...(schema.properties as Json), ...extras };
  }
  return { components: { schemas } };
}

export interface SpecValidators {
  /** Validator for `#/components/schemas/<name>` of the given spec. */
  schema(spec: 'accounting' | 'identity', name: string): ValidateFunction;
  /** Validator for an array of `#/components/schemas/<name>`. */
  arrayOf(spec: 'accounting' | 'identity', name: string): ValidateFunction;
}

// ajv-formats is CommonJS with a default export; under NodeNext the namespace is what arrives.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

/**
 * `format: date-time` is checked as ISO 8601 with an optional zone: Xero's /connections dates
 * carry none (`2019-12-07T18:46:19.5165400`, the spec's own example), and the sandbox copies Xero.
 */
export function specValidators(options: { strictDateTime?: boolean } = {}): SpecValidators {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  if (!options.strictDateTime) {
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/);
  }
  ajv.addSchema(loadComponents('xero_accounting.yaml'), 'accounting');
  ajv.addSchema(loadComponents('xero-identity.yaml'), 'identity');
  return {
    schema: (spec, name) => ajv.compile({ $ref: `${spec}#/components/schemas/${name}` }),
    arrayOf: (spec, name) =>
      ajv.compile({ type: 'array', items: { $ref: `${spec}#/components/schemas/${name}` } }),
  };
}
