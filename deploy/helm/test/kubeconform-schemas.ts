import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = Record<string, unknown>;
interface Swagger {
  definitions: Record<
    string,
    Schema & {
      'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
    }
  >;
}

/** openapi2jsonschema's strict conversion: closed objects, and the two Kubernetes string-or-number formats. */
function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const schema: Schema = {};
  for (const [key, value] of Object.entries(node)) schema[key] = strictify(value);
  if (schema.format === 'int-or-string')
    return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  if (schema.format === 'quantity') return { oneOf: [{ type: 'string' }, { type: 'number' }] };
  if (
    schema.properties &&
    !('additionalProperties' in schema) &&
    !schema['x-kubernetes-preserve-unknown-fields']
  ) {
    schema.additionalProperties = false;
  }
  return schema;
}

/**
 * kubeconform cannot fetch its schemas from the internet here, so they are generated from the
 * OpenAPI document of the very API server the chart installs into (our CRD included), named as
 * kubeconform's `{{ .ResourceKind }}{{ .KindSuffix }}.json` template expects.
 */
export function writeKubeconformSchemas(
  openapiV2: Swagger,
  dir: string,
  needed: { apiVersion: string; kind: string }[],
): string {
  mkdirSync(dir, { recursive: true });
  const definitions = strictify(openapiV2.definitions) as Swagger['definitions'];
  const wanted = new Set(needed.map((r) => `${r.apiVersion}/${r.kind}`));
  for (const [name, def] of Object.entries(openapiV2.definitions)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      if (!wanted.has(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`)) continue;
      const suffix = gvk.group ? `-${gvk.group.split('.')[0]}-${gvk.version}` : `-${gvk.version}`;
      const file = join(dir, `${gvk.kind.toLowerCase()}${suffix}.json`.toLowerCase());
      writeFileSync(file, JSON.stringify({ $ref: `#/definitions/${name}`, definitions }));
    }
  }
  return join(dir, '{{ .ResourceKind }}{{ .KindSuffix }}.json');
}
