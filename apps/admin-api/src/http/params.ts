import { Param, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { BadRequestField } from './errors.js';

const uuid = z.uuid({ message: 'must be a UUID' });
const k8sName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name (lowercase letters, digits, "-" and ".")');

class FieldPipe implements PipeTransform {
  constructor(
    private readonly schema: z.ZodType<string>,
    private readonly field: string,
  ) {}

  transform(value: unknown): string {
    if (typeof value === 'string' && value.includes('\u0000')) throw new BadRequestField(this.field, 'must not contain NUL characters');
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw new BadRequestField(this.field, parsed.error.issues[0]?.message ?? 'is invalid');
    return parsed.data;
  }
}

/** A path parameter that must be a UUID (ids are UUIDv7); anything else is a 400 naming it. */
export function UuidParam(name: string): ParameterDecorator {
  return Param(name, new FieldPipe(uuid, `params.${name}`));
}

/** A path parameter that must be a Kubernetes name (namespace or object name). */
export function NameParam(name: string): ParameterDecorator {
  return Param(name, new FieldPipe(k8sName, `params.${name}`));
}
