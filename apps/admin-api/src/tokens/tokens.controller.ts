import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import { createdTokenSchema, pageOf, tokenSchema } from '../openapi/response-schemas.js';
import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_TOKEN_ROLES, type Database } from '@xero-access/model';
import { z } from 'zod';
import { Access } from '../auth/access.decorator.js';
import { TOKEN_CACHE } from '../auth/auth.guard.js';
import type { VerifiedTokenCache } from '../auth/token-cache.js';
import type { Principal } from '../auth/principal.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { DB } from '../database/database.module.js';
import { dateTime } from '../http/date-time.js';
import { asBodyField } from '../http/errors.js';
import { UuidParam } from '../http/params.js';
import { pageQuery } from '../http/query-schemas.js';
import { ValidBody, ValidQuery } from '../http/zod-validation.js';

const createTokenBody = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
        'must be 1 to 128 letters, digits, dots, dashes or underscores',
      ),
    role: z.enum(API_TOKEN_ROLES),
    ownerEmail: z
      .email({ message: 'must be an email address' })
      .max(320)
      .optional()
      .describe(
        "The person the token acts for. Review decisions need one (separation of duties): a token without it may not decide, and one with it may not decide on that person's own Xero access",
      ),
    expiresAt: dateTime.optional(),
  })
  .strict();

@ApiTags('tokens')
@Controller('tokens')
export class TokensController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(TOKEN_CACHE) private readonly cache: VerifiedTokenCache<unknown>,
  ) {}

  @Get()
  @Access('admin')
  @ApiOperation({
    operationId: 'listApiTokens',
    summary: 'API tokens (never their secrets), by name, keyset-paginated',
  })
  @Returns(pageOf(tokenSchema))
  async list(@ValidQuery(pageQuery) q: z.output<typeof pageQuery>) {
    return this.db.tokens.list({ limit: q.limit, cursor: q.cursor ?? null });
  }

  @Post()
  @Access('admin')
  @ApiOperation({
    operationId: 'createApiToken',
    summary: 'Create an API token; the secret is in this response only',
  })
  @Returns(createdTokenSchema, 201)
  @Fails([409])
  async create(
    @ValidBody(createTokenBody) body: z.output<typeof createTokenBody>,
    @CurrentPrincipal() who: Principal,
  ) {
    const { token, record } = await this.db.tokens
      .create({
        name: body.name,
        role: body.role,
        ownerEmail: body.ownerEmail ?? null,
        expiresAt: body.expiresAt ?? null,
        createdBy: who.actor,
      })
      .catch((error: unknown) => {
        throw asBodyField(error);
      });
    return { ...record, token };
  }

  @Delete(':id')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ operationId: 'revokeApiToken', summary: 'Revoke an API token' })
  @Returns(tokenSchema)
  @Fails([404])
  async revoke(@UuidParam('id') id: string) {
    const revoked = await this.db.tokens.revoke(id);
    this.cache.clear();
    return revoked;
  }
}
