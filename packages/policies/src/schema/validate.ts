import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { PolicyInput } from '../generated/policy-input.js';
import type { PolicyOutput } from '../generated/policy-output.js';
import inputSchema from './policy-input.schema.json' with { type: 'json' };
import outputSchema from './policy-output.schema.json' with { type: 'json' };

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the namespace.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Which document failed validation: the caller's input or the policy's own output. */
export type DocumentKind = 'input' | 'output';

export interface FieldProblem {
  /** Where, as a readable path from the document root, e.g. `input.users[3].email`. */
  field: string;
  /** What is wrong, e.g. `must be string`. */
  problem: string;
}

export class PolicyDocumentError extends Error {
  constructor(
    readonly document: DocumentKind,
    readonly problems: FieldProblem[],
  ) {
    const shown = problems.slice(0, 5).map((p) => `${p.field}: ${p.problem}`);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
    super(`invalid policy ${document}: ${shown.join('; ')}`);
    this.name = 'PolicyDocumentError';
  }
}

// unicode: false counts string lengths in UTF-16 code units, as JavaScript does, so maxLength
// means what the model's limits on the output (zod's .max) mean for text with emoji. Ajv calls
// the option deprecated and would warn on every start: strict mode throws for any schema
// problem, so its logger has nothing else to say.
const ajv = new Ajv({
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
  verbose: true,
  unicode: false,
  logger: false,
});
addFormats(ajv, ['date-time']);
const validateInput = ajv.compile<PolicyInput>(inputSchema);
const validateOutput = ajv.compile<PolicyOutput>(outputSchema);
const validateTimestamp = ajv.compile<string>(inputSchema.definitions.Timestamp);

/** `/users/3/email` → `input.users[3].email`. */
function fieldPath(root: DocumentKind, pointer: string): string {
  let path: string = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  return path;
}

function describe(root: DocumentKind, error: ErrorObject): FieldProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return {
      field: fieldPath(root, `${error.instancePath}/${String(params.missingProperty)}`),
      problem: 'is required',
    };
  }
  if (error.keyword === 'additionalProperties') {
    return {
      field: fieldPath(root, `${error.instancePath}/${String(params.additionalProperty)}`),
      problem: 'is not allowed (unknown property)',
    };
  }
  if (error.keyword === 'enum') {
    return {
      field: fieldPath(root, error.instancePath),
      problem: `must be one of ${(params.allowedValues as unknown[]).join(', ')}`,
    };
  }
  if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
    return {
      field: fieldPath(root, error.instancePath),
      problem: `must be ${alternativesOf(error.schema)}`,
    };
  }
  return { field: fieldPath(root, error.instancePath), problem: error.message ?? error.keyword };
}

interface SchemaNode {
  $ref?: string;
  description?: string;
  type?: string | string[];
  required?: string[];
}

/** `[{$ref: StaffLink}, {$ref: NonHumanLink}]` → `one of: {userId, staffId} or {userId, nonHuman, justification}`. */
function alternativesOf(branches: unknown): string {
  const definitions = (inputSchema as { definitions: Record<string, SchemaNode> }).definitions;
  const shapes = (branches as SchemaNode[]).map((branch) => {
    const resolved = branch.$ref ? definitions[branch.$ref.replace('#/definitions/', '')] : branch;
    if (resolved?.required) return `{${resolved.required.join(', ')}}`;
    if (resolved?.description) return resolved.description.replace(/\.$/, '');
    return [resolved?.type ?? 'unknown'].flat().join(' or ');
  });
  return `one of: ${shapes.join(' or ')}`;
}

/**
 * One problem per field: a oneOf failure (an account link that is neither shape) also reports
 * every branch's complaints, which would only confuse; keep the most specific ones.
 */
function problemsOf(root: DocumentKind, errors: ErrorObject[]): FieldProblem[] {
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  // Each branch's complaints about the same value only confuse: the alternative's own error
  // lists the accepted shapes instead.
  const insideAlternative = (e: ErrorObject) =>
    alternatives.some(
      (alt) =>
        alt !== e &&
        (e.instancePath === alt.instancePath || e.instancePath.startsWith(`${alt.instancePath}/`)),
    );
  const seen = new Map<string, FieldProblem>();
  for (const error of errors.filter((e) => !insideAlternative(e))) {
    const problem = describe(root, error);
    const key = `${problem.field}\u0000${problem.problem}`;
    if (!seen.has(key)) seen.set(key, problem);
  }
  return [...seen.values()];
}

function check<T>(root: DocumentKind, validate: ValidateFunction<T>, value: unknown): T {
  if (validate(value)) return value;
  throw new PolicyDocumentError(root, problemsOf(root, validate.errors ?? []));
}

/** Returns the input typed, or throws a PolicyDocumentError naming each bad field. */
export function assertPolicyInput(value: unknown): PolicyInput {
  return check('input', validateInput, value);
}

/** Returns the output typed, or throws a PolicyDocumentError naming each bad field. */
export function assertPolicyOutput(value: unknown): PolicyOutput {
  return check('output', validateOutput, value);
}

/** An RFC 3339 timestamp as the input schema accepts them (`input.now`, `offboardedAt`). */
export function isTimestamp(value: unknown): value is string {
  return validateTimestamp(value);
}
