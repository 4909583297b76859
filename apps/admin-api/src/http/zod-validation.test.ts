import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiOutputSchema, openApiSchema, ZodPipe } from './zod-validation.js';

const link = z.union([
  z.object({ staffId: z.string() }).strict(),
  z
    .object({ nonHuman: z.literal(true), justification: z.string().min(1, 'must say why') })
    .strict(),
]);

function fieldOf(pipe: ZodPipe<z.ZodType>, value: unknown): string | undefined {
  try {
    pipe.transform(value, { type: 'body' });
  } catch (error) {
    return (error as { getResponse(): { field?: string } }).getResponse().field;
  }
  return undefined;
}

describe('ZodPipe', () => {
  it('names the field of the union branch the value came closest to, not just "body"', () => {
    const pipe = new ZodPipe(link, 'body');
    expect(fieldOf(pipe, { nonHuman: true })).toBe('body.justification');
    expect(fieldOf(pipe, { nonHuman: true, justification: '' })).toBe('body.justification');
    expect(fieldOf(pipe, { staffId: 's', nonHuman: true })).toBe('body.nonHuman');
    expect(fieldOf(pipe, { staffId: 's' })).toBeUndefined();
  });
});

describe('OpenAPI schemas from zod', () => {
  it('list null among the values of a nullable enum, which validators check on null too', () => {
    const schema = z.object({
      previous: z.enum(['keep', 'revoke']).nullable().describe('null for the first'),
      version: z.literal(2).nullable().optional(),
      kind: z.enum(['a', 'b']),
      note: z.string().nullable(),
    });
    for (const json of [openApiOutputSchema(schema), openApiSchema(schema)]) {
      expect(json.properties).toEqual({
        previous: {
          type: 'string',
          enum: ['keep', 'revoke', null],
          nullable: true,
          description: 'null for the first',
        },
        version: { type: 'number', enum: [2, null], nullable: true },
        kind: { type: 'string', enum: ['a', 'b'] },
        note: { type: 'string', nullable: true },
      });
    }
  });

  // README, "Compatibility": a new response field is not breaking, so no client may refuse one.
  it('leaves response objects open at every depth, and request bodies as strict as their schemas', () => {
    const schema = z.strictObject({
      review: z.object({ id: z.string(), progress: z.object({ total: z.number() }) }),
      items: z.array(z.object({ userId: z.string() })),
      either: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]),
      tags: z.record(z.string(), z.string()),
    });
    const closed = (json: unknown): boolean =>
      JSON.stringify(json).includes('"additionalProperties":false');
    expect(closed(openApiOutputSchema(schema))).toBe(false);
    expect(openApiOutputSchema(schema).properties).toMatchObject({
      tags: { type: 'object', additionalProperties: { type: 'string' } },
    });
    expect(openApiSchema(schema)).toMatchObject({ additionalProperties: false });
  });
});
