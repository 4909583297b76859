import { Param, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { z } from 'zod';
import { Fails } from '../openapi/error-responses.js';
import { BadRequestField } from './errors.js';

const uuid = z.uuid({ message: 'must be a UUID' });
const k8sName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be a Kubernetes object name (lowercase letters, digits, "-" and ".")',
  );

const xeroUserId = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a Xero UserID (letters, digits and "-", at most 64)');

class FieldPipe implements PipeTransform {
  constructor(
    private readonly schema: z.ZodType<string>,
    private readonly field: string,
  ) {}

  transform(value: unknown): string {
    if (typeof value === 'string' && value.includes('\u0000'))
      throw new BadRequestField(this.field, 'must not contain NUL characters');
    const parsed = this.schema.safeParse(value);
    if (!parsed.success)
      throw new BadRequestField(this.field, parsed.error.issues[0]?.message ?? 'is invalid');
    return parsed.data;
  }
}

function documented(
  name: string,
  schema: Record<string, unknown>,
  pipe: FieldPipe,
): ParameterDecorator {
  const param = Param(name, pipe);
  return (target, key, index) => {
    param(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
    ApiParam({ name, required: true, schema })(target, key, descriptor);
    Fails([400])(target, key, descriptor);
  };
}

/** A path parameter that must be a UUID (ids are UUIDv7); anything else is a 400 naming it. */
export function UuidParam(name: string): ParameterDecorator {
  return documented(
    name,
    { type: 'string', format: 'uuid' },
    new FieldPipe(uuid, `params.${name}`),
  );
}

/** A path parameter that must be a Kubernetes name (namespace or object name). */
export function NameParam(name: string): ParameterDecorator {
  return documented(
    name,
    { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
    new FieldPipe(k8sName, `params.${name}`),
  );
}

/** A path parameter holding a Xero UserID. */
export function XeroUserIdParam(name: string): ParameterDecorator {
  return documented(
    name,
    { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
    new FieldPipe(xeroUserId, `params.${name}`),
  );
}
