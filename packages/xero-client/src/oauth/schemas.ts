import { z } from 'zod';

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1, 'expected an access token'),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'expected token_type Bearer'),
  expires_in: z.number().int().positive('expected a positive lifetime in seconds'),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});

export const oauthErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

/** A token set as the operator stores it: the refresh token is absent for client credentials. */
export interface XeroTokenSet {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  tokenType: 'Bearer';
  scopes: string[];
  expiresAt: Date;
}

export function toTokenSet(
  body: z.output<typeof tokenResponseSchema>,
  issuedAt: Date,
): XeroTokenSet {
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token ?? null,
    idToken: body.id_token ?? null,
    tokenType: 'Bearer',
    scopes: body.scope ? body.scope.split(/\s+/).filter(Boolean) : [],
    expiresAt: new Date(issuedAt.getTime() + body.expires_in * 1000),
  };
}
