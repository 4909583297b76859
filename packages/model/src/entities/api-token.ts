import { EntitySchema } from '@mikro-orm/core';

export const API_TOKEN_ROLES = ['viewer', 'reviewer', 'admin', 'scim'] as const;
export type ApiTokenRole = (typeof API_TOKEN_ROLES)[number];

/** An admin API credential. Only the sha256 of the secret is stored. */
export class ApiToken {
  id!: string;
  name!: string;
  role!: ApiTokenRole;
  tokenHash!: string;
  /** The first characters of the token, to recognise it in listings; not enough to use it. */
  prefix!: string;
  /**
   * The person the token acts for (lowercased email), when it is one person's: reviews then apply
   * separation of duties to it as to an OIDC caller. Null for a service or a shared token.
   */
  ownerEmail: string | null = null;
  createdBy: string | null = null;
  createdAt!: Date;
  expiresAt: Date | null = null;
  lastUsedAt: Date | null = null;
  revokedAt: Date | null = null;
}

export const ApiTokenSchema = new EntitySchema<ApiToken>({
  class: ApiToken,
  tableName: 'api_token',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'string', length: 128, unique: 'api_token_name_unique' },
    role: { type: 'string', length: 16 },
    tokenHash: { type: 'string', length: 64, unique: 'api_token_token_hash_unique' },
    prefix: { type: 'string', length: 16 },
    ownerEmail: { type: 'string', length: 320, nullable: true },
    createdBy: { type: 'string', length: 255, nullable: true },
    createdAt: { type: 'datetime' },
    expiresAt: { type: 'datetime', nullable: true },
    lastUsedAt: { type: 'datetime', nullable: true },
    revokedAt: { type: 'datetime', nullable: true },
  },
});
