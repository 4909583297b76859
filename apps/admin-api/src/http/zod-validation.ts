import {
  type ArgumentMetadata,
  Body,
  type PipeTransform,
  Query,
  applyDecorators,
} from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { Fails } from '../openapi/error-responses.js';
import { restoreQueryOffsets } from './date-time.js';
import { BadRequestField } from './errors.js';

/** Dotted path of a zod issue, prefixed with where it was found (body, query, params). */
function issueField(where: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return [where, path, issue.keys[0]].filter(Boolean).join('.');
  }
  return path ? `${where}.${path}` : where;
}

/** For a value no branch of a union accepts, the first problem of the branch it came closest to. */
function decisiveIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const closest = issue.errors.reduce((best, branch) =>
    branch.length < best.length ? branch : best,
  );
  const inner = closest[0];
  if (!inner) return issue;
  return decisiveIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
}

function issueProblem(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (not allowed)`;
  return issue.message;
}

/** The path of the first string holding a NUL character (PostgreSQL text cannot store one), if any. */
export function findNul(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, String(i)]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = findNul(key, [...path, key]) ?? findNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** Validates and converts one request part with a zod schema; the 400 names the first bad field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform {
  constructor(
    private readonly schema: T,
    private readonly where: 'body' | 'query' | 'params',
  ) {}

  transform(received: unknown, _metadata: ArgumentMetadata): z.output<T> {
    const value = this.where === 'query' ? restoreQueryOffsets(received) : received;
    const nul = findNul(value);
    if (nul)
      throw new BadRequestField([this.where, ...nul].join('.'), 'must not contain NUL characters');
    const parsed = this.schema.safeParse(value ?? (this.where === 'body' ? undefined : {}));
    if (parsed.success) return parsed.data;
    const issue = decisiveIssue(parsed.error.issues[0]!);
    throw new BadRequestField(issueField(this.where, issue), issueProblem(issue));
  }
}

type JsonSchema = Record<string, unknown>;

/** The OpenAPI 3.0 schema of a zod schema (as input: what a client sends). */
export function openApiSchema(schema: z.ZodType): JsonSchema {
  return toOpenApi(schema, 'input');
}

/**
 * The OpenAPI 3.0 schema of what a handler returns. Its objects are open (no
 * `additionalProperties: false`): a new response field is no breaking change (README,
 * "Compatibility"), so a client's validator must not refuse one.
 */
export function openApiOutputSchema(schema: z.ZodType): JsonSchema {
  return toOpenApi(schema, 'output');
}

/** zod's schema for `io`, with null in nullable enums and, for output, its objects open. */
function toOpenApi(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  delete json.$schema;
  return tidy(json, io === 'output') as JsonSchema;
}

/** Keywords whose value is data, not a schema. */
const VALUE_KEYWORDS = new Set(['enum', 'const', 'default', 'example', 'examples']);

/**
 * Throughout a schema: zod writes a nullable enum as `{enum: [...], nullable: true}`; OpenAPI
 * 3.0.3 (and validators such as ajv) check `enum` on null too, so null is made one of its values.
 * With `open`, drops `additionalProperties: false` (zod's output for every object).
 */
function tidy(node: unknown, open: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => tidy(item, open));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (open && key === 'additionalProperties' && value === false) continue;
    out[key] = VALUE_KEYWORDS.has(key) ? value : tidy(value, open);
  }
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null))
    out.enum = [...(out.enum as unknown[]), null];
  return out;
}

/** `@ValidBody(schema)`: validated body parameter, documented in OpenAPI from the same schema. */
export function ValidBody(schema: z.ZodType, description?: string): ParameterDecorator {
  const pipe = Body(new ZodPipe(schema, 'body'));
  return (target, key, index) => {
    pipe(target, key, index);
    if (key !== undefined) {
      const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
      // A schema that accepts no body at all (`.optional()`) documents the body as optional.
      const required = !schema.safeParse(undefined).success;
      ApiBody({ schema: openApiSchema(schema), description, required })(target, key, descriptor);
      Fails([400, 413])(target, key, descriptor);
    }
  };
}

/** `@ValidQuery(schema)`: validated query object; each property becomes an OpenAPI query parameter. */
export function ValidQuery(schema: z.ZodObject): ParameterDecorator {
  const pipe = Query(new ZodPipe(schema, 'query'));
  return (target, key, index) => {
    pipe(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
    const json = openApiSchema(schema) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    const decorators = Object.entries(json.properties ?? {}).map(([name, property]) =>
      ApiQuery({
        name,
        required: json.required?.includes(name) ?? false,
        schema: property,
        description: typeof property.description === 'string' ? property.description : undefined,
      }),
    );
    applyDecorators(...decorators, Fails([400]))(target, key, descriptor);
  };
}
