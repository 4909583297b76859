import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TestResponse } from './harness.js';

// ajv-formats is CommonJS with a default export; under NodeNext the namespace is what arrives.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

type Schema = Record<string, unknown>;
interface Header {
  required?: boolean;
  schema?: Schema;
}
interface DocumentedResponse {
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, Header | { $ref: string }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
  components?: { headers?: Record<string, Header> } & Record<string, unknown>;
}

/**
 * Headers every answer carries alike, which the document does not repeat per response: transport
 * headers, and the browser security headers (README, "Security headers").
 */
const UNDOCUMENTED_HEADERS = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
]);

const JSON_MEDIA_TYPES = new Set(['application/json', 'application/scim+json']);

/**
 * What a client's validator reading the served document would object to in a real answer: a
 * status the operation does not document, a body off its schema, a documented header missing or
 * malformed, or a header the document does not declare.
 */
export function undocumented(
  document: OpenApiDocument,
  method: string,
  path: string,
  response: TestResponse,
): string[] {
  const operation = document.paths[path]?.[method.toLowerCase()];
  if (!operation) return [`${method} ${path} is not in the document`];
  const documented =
    operation.responses[String(response.statusCode)] ?? operation.responses.default;
  if (!documented) return [`status ${response.statusCode} is not documented`];
  return [
    ...bodyProblems(document, documented, response),
    ...headerProblems(document, documented, response),
  ];
}

const bodies = new Ajv({ strict: false, allErrors: true });
addFormats(bodies);
// Header values are strings on the wire: `Retry-After: 2` is the integer 2.
const headerValues = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
addFormats(headerValues);

function bodyProblems(
  document: OpenApiDocument,
  documented: DocumentedResponse,
  response: TestResponse,
): string[] {
  if (!documented.content) return response.body ? ['a body where none is documented'] : [];
  const mediaType = String(response.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  const schema = documented.content[mediaType]?.schema;
  if (!schema) return [`media type ${mediaType} is not documented`];
  const value = JSON_MEDIA_TYPES.has(mediaType) ? response.json() : response.body;
  // The document's components travel along, for any $ref into them. Closed: clients must accept
  // fields they do not know, but this API documents every field it sends.
  const validate = bodies.compile(closedObjects({ ...schema, components: document.components }));
  return validate(value) ? [] : [`body: ${bodies.errorsText(validate.errors)}`];
}

/**
 * The response schemas with their objects closed again (`additionalProperties: false` where none
 * is said), as zod wrote them before the document opened them for clients.
 */
function closedObjects(node: unknown): Schema {
  if (Array.isArray(node)) return node.map(closedObjects) as unknown as Schema;
  if (node === null || typeof node !== 'object') return node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node))
    out[key] = ['enum', 'const', 'default', 'example', 'examples'].includes(key)
      ? value
      : closedObjects(value);
  if (out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

function headerProblems(
  document: OpenApiDocument,
  documented: DocumentedResponse,
  response: TestResponse,
): string[] {
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const [name, declaration] of Object.entries(documented.headers ?? {})) {
    declared.add(name.toLowerCase());
    const header =
      '$ref' in declaration
        ? document.components?.headers?.[declaration.$ref.split('/').pop()!]
        : declaration;
    if (!header) {
      problems.push(`header ${name}: unresolved ${JSON.stringify(declaration)}`);
      continue;
    }
    const value = response.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`header ${name} is required but missing`);
      continue;
    }
    const validate = headerValues.compile({
      type: 'object',
      properties: { value: header.schema ?? {} },
    });
    if (!validate({ value: String(value) }))
      problems.push(`header ${name}: ${headerValues.errorsText(validate.errors)}`);
  }
  for (const name of Object.keys(response.headers))
    if (!UNDOCUMENTED_HEADERS.has(name) && !declared.has(name))
      problems.push(`header ${name} is sent but not documented`);
  return problems;
}
