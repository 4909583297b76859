import { DocumentBuilder } from '@nestjs/swagger';

export function openApiConfig() {
  return new DocumentBuilder()
    .setTitle('xero-access-operator admin API')
    .setDescription(
      'Findings, evidence, staff directory (SCIM 2.0), account links, access reviews and Xero connect. ' +
        'Every route but /health, /connect/callback (the OAuth redirect, checked by its signed state), ' +
        '/openapi.json and /docs needs a bearer credential: an API token (roles viewer < reviewer < admin), ' +
        'an OIDC JWT mapped to a role, or for /scim/v2 the SCIM token. x-required-role names what each route needs.',
    )
    .setVersion('2')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque API token (xao_…) or OIDC JWT',
        description: 'API token (xao_…) or OIDC JWT',
      },
      'bearer',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque SCIM token (xao_…)',
        description: 'SCIM provisioning token',
      },
      'scim',
    )
    .build();
}
