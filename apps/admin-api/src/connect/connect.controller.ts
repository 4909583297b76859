import { Returns } from '../openapi/returns.js';
import { Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Audited } from '../audit/audited.decorator.js';
import { Access } from '../auth/access.decorator.js';
import { AUDIT_ACTOR, type Principal, type RequestWithPrincipal } from '../auth/principal.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { NameParam } from '../http/params.js';
import { ValidQuery } from '../http/zod-validation.js';
import { ConnectService } from './connect.service.js';

const callbackQuery = z
  .object({
    code: z.string().max(4096).optional(),
    state: z.string().max(4096).optional(),
    scope: z.string().max(4096).optional(),
    session_state: z.string().max(4096).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(4096).optional(),
  })
  .strict();

@ApiTags('connect')
@Controller()
export class ConnectController {
  constructor(@Inject(ConnectService) private readonly connect: ConnectService) {}

  @Post('connections/:namespace/:name/connect')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    summary:
      "Start Xero's authorization-code flow (PKCE, signed single-use state); open authorizeUrl in a browser",
  })
  @Returns(
    z.object({
      authorizeUrl: z.string().describe('Open in a browser'),
      expiresAt: z.iso.datetime(),
    }),
  )
  async start(
    @NameParam('namespace') namespace: string,
    @NameParam('name') name: string,
    @CurrentPrincipal() who: Principal,
  ) {
    return this.connect.start(namespace, name, who.actor);
  }

  /** Public: Xero redirects the browser here; the signed single-use state is the credential. */
  @Get('connect/callback')
  @Access('public')
  @Audited()
  @ApiOperation({
    summary:
      'OAuth redirect target: exchanges the code and writes the token set into the token Secret',
  })
  @Returns(
    z.object({
      connected: z.literal(true),
      connection: z.string(),
      tokenSecret: z.string(),
      scopes: z.array(z.string()),
      refreshToken: z.boolean(),
      accessTokenExpiresAt: z.iso.datetime(),
    }),
  )
  async callback(
    @ValidQuery(callbackQuery) q: z.output<typeof callbackQuery>,
    @Req() request: RequestWithPrincipal,
  ) {
    return this.connect.complete(
      { code: q.code, state: q.state, error: q.error, errorDescription: q.error_description },
      (startedBy) => (request[AUDIT_ACTOR] = `oauth-callback (started by ${startedBy})`),
    );
  }
}
