import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dateTime } from './date-time.js';
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

describe('ZodPipe on date-times', () => {
  const since = z.object({ since: dateTime.optional() }).strict();

  it("gives a query date-time's offset back the + the query string decoded as a space", () => {
    const pipe = new ZodPipe(since, 'query');
    expect(pipe.transform({ since: '2026-11-22T00:00:00 13:00' }, { type: 'query' })).toEqual({
      since: new Date('2026-11-21T11:00:00Z'),
    });
    expect(pipe.transform({ since: '2026-11-22T00:00:00.5 05:30' }, { type: 'query' })).toEqual({
      since: new Date('2026-11-21T18:30:00.500Z'),
    });
  });

  it('still refuses a date-time without a zone, and a spaced offset in a body', () => {
    expect(fieldOf(new ZodPipe(since, 'query'), { since: '2026-11-22T00:00:00' })).toBe(
      'query.since',
    );
    expect(fieldOf(new ZodPipe(since, 'body'), { since: '2026-11-22T00:00:00 13:00' })).toBe(
      'body.since',
    );
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
