import { z } from 'zod';
import { SCIM_PATCH, SCIM_USER } from './scim.types.js';

const scimBoolean = z.union([
  z.boolean(),
  z.enum(['true', 'false', 'True', 'False']).transform((v) => v.toLowerCase() === 'true'),
]);

/**
 * The User attributes this directory keeps. Unknown attributes are ignored (RFC 7643 lets a
 * provider store what it supports), but the ones it keeps are validated.
 */
export const scimUserBody = z
  .object({
    schemas: z.array(z.string()).refine((s) => s.includes(SCIM_USER), `must include ${SCIM_USER}`),
    userName: z.string().trim().min(1, 'is required').max(320),
    externalId: z.string().min(1).max(255).optional(),
    displayName: z.string().trim().min(1).max(255).optional(),
    name: z
      .object({
        formatted: z.string().max(255).optional(),
        givenName: z.string().max(255).optional(),
        familyName: z.string().max(255).optional(),
      })
      .passthrough()
      .optional(),
    emails: z
      .array(
        z.object({ value: z.string().max(320), primary: scimBoolean.optional() }).passthrough(),
      )
      .optional(),
    roles: z
      .array(
        z
          .object({ value: z.string().min(1).max(128), primary: scimBoolean.optional() })
          .passthrough(),
      )
      .optional(),
    title: z.string().max(128).optional(),
    active: scimBoolean.optional(),
  })
  .passthrough();

export type ScimUserBody = z.output<typeof scimUserBody>;

export const scimPatchBody = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes(SCIM_PATCH), `must include ${SCIM_PATCH}`),
  Operations: z
    .array(
      z
        .object({
          op: z
            .string()
            .transform((o) => o.toLowerCase())
            .pipe(z.enum(['add', 'replace', 'remove'])),
          path: z.string().max(256).optional(),
          value: z.unknown().optional(),
        })
        .passthrough(),
    )
    .min(1, 'must hold at least one operation'),
});

export type ScimPatchBody = z.output<typeof scimPatchBody>;

export const scimListQuery = z
  .object({
    filter: z.string().max(1024).optional(),
    startIndex: z.coerce.number().int().optional(),
    count: z.coerce.number().int().optional(),
    attributes: z.string().optional(),
    excludedAttributes: z.string().optional(),
  })
  .strict();
