import { xeroErrors, type XeroError } from '../errors.js';
import { rateLimitedError, type XeroResponse } from '../http/transport.js';
import { oauthErrorSchema } from './schemas.js';

/**
 * Maps a failed token-endpoint answer to a troubleshooting reason. `error_description` is not
 * copied: an identity server may echo the grant in it.
 */
export function tokenError(
  operation: string,
  response: XeroResponse,
  grantType: string,
  requestedScopes: readonly string[] = [],
): XeroError {
  if (response.statusCode === 429) return rateLimitedError(operation, response);
  const parsed = oauthErrorSchema.safeParse(response.body);
  const code = parsed.success ? parsed.data.error : undefined;
  if (code === 'unauthorized_client') {
    return xeroErrors.grantTypeNotAllowed(operation, grantType, response.statusCode);
  }
  if (code === 'invalid_client' || response.statusCode === 401) {
    return xeroErrors.invalidCredentials(operation, code ?? 'invalid_client', response.statusCode);
  }
  if (code === 'invalid_grant') {
    return xeroErrors.reauthorizationRequired(operation, code, response.statusCode);
  }
  if (code === 'invalid_scope' && requestedScopes.length > 0) {
    return xeroErrors.scopesNotGranted(operation, requestedScopes);
  }
  if (code === 'invalid_scope') {
    return xeroErrors.invalidResponse(
      operation,
      'the token endpoint refused the requested scopes (invalid_scope)',
      response.statusCode,
    );
  }
  return xeroErrors.invalidResponse(
    operation,
    code
      ? `unexpected OAuth error ${code} (HTTP ${response.statusCode})`
      : `unexpected HTTP ${response.statusCode}`,
    response.statusCode,
  );
}
