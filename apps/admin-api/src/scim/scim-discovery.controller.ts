import { z } from 'zod';
import { Returns } from '../openapi/returns.js';
import { Controller, Get, Header, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator.js';
import { ScimExceptionFilter } from './scim.filter.js';
import { SCIM_CONTENT_TYPE } from './scim.types.js';

const SERVICE_PROVIDER_CONFIG = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** RFC 7644 §4 discovery: what this SCIM service supports, so clients do not probe. */
@ApiTags('scim')
@Controller('scim/v2')
@UseFilters(ScimExceptionFilter)
export class ScimDiscoveryController {
  @Get('ServiceProviderConfig')
  @Access('scim')
  @Header('content-type', SCIM_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'getScimServiceProviderConfig',
    summary: 'SCIM service provider configuration',
  })
  @Returns(z.record(z.string(), z.unknown()), 200, 'RFC 7643 §5 ServiceProviderConfig')
  serviceProviderConfig() {
    return {
      schemas: [SERVICE_PROVIDER_CONFIG],
      documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'Bearer token',
          description: 'The SCIM provisioning token (role scim)',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: '/scim/v2/ServiceProviderConfig' },
    };
  }
}
