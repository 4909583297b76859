import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Audited } from '../audit/audited.decorator.js';
import { Access } from '../auth/access.decorator.js';
import { AUDIT_ACTOR, type Principal, type RequestWithPrincipal } from '../auth/principal.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { NameParam } from '../http/params.js';
import { ValidQuery } from '../http/zod-validation.js';
import { ConnectService } from './connect.service.js';

// OAuth 2.0 (RFC 6749 Appendix A): code and state are visible ASCII, scope adds spaces.
const oauthText = (max: number, spaces = false) =>
  z
    .string()
    .max(max)
    .regex(spaces ? /^[\x20-\x7e]*$/ : /^[\x21-\x7e]*$/, 'must be printable ASCII')
    .optional();

const callbackQuery = z
  .object({
    code: oauthText(1024),
    state: oauthText(2048),
    scope: oauthText(2048, true),
    session_state: oauthText(1024),
    error: oauthText(256),
    error_description: z.string().max(1024).optional(),
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
    operationId: 'startXeroConnect',
    summary:
      "Start Xero's authorization-code flow (PKCE, signed single-use state); open authorizeUrl in a browser",
  })
  @Returns(
    z.object({
      authorizeUrl: z.string().describe('Open in a browser'),
      expiresAt: z.iso.datetime(),
    }),
  )
  @Fails([404, 409, 502, 503])
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
    operationId: 'completeXeroConnect',
    summary:
      'OAuth redirect target: exchanges the code and writes the token set into the token Secret',
    description:
      'Before the code is exchanged the API proves it can write the token Secret (a dry run): ' +
      'a 502 or 503 then leaves the code and the state unused, so reloading the callback tries ' +
      'again. After the exchange a write the Kubernetes API does not take is held and tried ' +
      'again in the background (TOKEN_WRITE_RETRY): 202.',
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
    200,
    'The token set is stored',
  )
  @Returns(
    z.object({
      connected: z.literal(false),
      connection: z.string(),
      tokenSecret: z.string(),
      storingUntil: z.iso.datetime().describe('The admin API keeps trying until then'),
      message: z.string(),
    }),
    202,
    'Xero granted access; the Kubernetes API has not stored the token set yet, the admin API keeps trying',
  )
  @Fails([400, 404, 409, 429, 502, 503])
  async callback(
    @ValidQuery(callbackQuery) q: z.output<typeof callbackQuery>,
    @Req() request: RequestWithPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.connect.complete(
      { code: q.code, state: q.state, error: q.error, errorDescription: q.error_description },
      (startedBy) => (request[AUDIT_ACTOR] = `oauth-callback (started by ${startedBy})`),
    );
    void reply.status(answer.status);
    return answer.body;
  }
}
