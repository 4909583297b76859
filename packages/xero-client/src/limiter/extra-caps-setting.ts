import { z } from 'zod';
import { type ExtraCap } from './config.js';

const extraCap = z.object({
  id: z.string().min(1),
  points: z.number().int().positive(),
  windowMs: z.number().int().positive(),
});

/**
 * The XERO_EXTRA_LIMITS setting both apps read: JSON, a list of `{id, points, windowMs}`. Each
 * cap's counters live under its id, so two caps with one id would count into each other.
 */
export const extraCapsSetting: z.ZodType<ExtraCap[], string> = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON (a list of {id, points, windowMs})' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(extraCap).refine((caps) => new Set(caps.map((c) => c.id)).size === caps.length, {
      message: 'each id must be unique',
    }),
  );
