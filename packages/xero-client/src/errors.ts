/**
 * Why a Xero operation failed, as the troubleshooting map of design.md names it. The reconciler
 * copies `reason` and `message` into a condition, so a message must read well to a person and
 * must never contain a secret.
 */
export const XERO_ERROR_REASONS = [
  'InvalidCredentials',
  'ReauthorizationRequired',
  'Unauthorized',
  'InsufficientPermissions',
  'TenantDisconnected',
  'RateLimited',
  'InvalidSpec',
  /** Xero answered 5xx, timed out or the connection failed: transient, retry later. */
  'Unavailable',
  /** Xero answered something that does not match its documented schema. */
  'InvalidResponse',
] as const;

export type XeroErrorReason = (typeof XERO_ERROR_REASONS)[number];

export interface XeroErrorDetails {
  /** The operation that failed, e.g. `GET Users` or `token refresh`. */
  operation?: string;
  statusCode?: number;
  /** OAuth error code (`invalid_grant`, ...) or Xero problem (`minute`, ...). */
  code?: string;
  /** RateLimited: when the client will retry. */
  retryAt?: Date;
  /** InsufficientPermissions: the scope(s) the call needs. */
  requiredScopes?: readonly string[];
  tenantId?: string;
}

export class XeroError extends Error {
  override readonly name = 'XeroError';
  readonly reason: XeroErrorReason;
  readonly operation: string | undefined;
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  readonly retryAt: Date | undefined;
  readonly requiredScopes: readonly string[] | undefined;
  readonly tenantId: string | undefined;

  constructor(reason: XeroErrorReason, message: string, details: XeroErrorDetails = {}) {
    super(message);
    this.reason = reason;
    this.operation = details.operation;
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.retryAt = details.retryAt;
    this.requiredScopes = details.requiredScopes;
    this.tenantId = details.tenantId;
  }

  /** Transient failures are worth retrying later without a person doing anything. */
  get transient(): boolean {
    return this.reason === 'Unavailable' || this.reason === 'RateLimited';
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      reason: this.reason,
      message: this.message,
      operation: this.operation,
      statusCode: this.statusCode,
      code: this.code,
      retryAt: this.retryAt?.toISOString(),
      requiredScopes: this.requiredScopes,
      tenantId: this.tenantId,
    };
  }
}

export function isXeroError(error: unknown, reason?: XeroErrorReason): error is XeroError {
  return error instanceof XeroError && (reason === undefined || error.reason === reason);
}

/** Messages of the troubleshooting map; one constructor per reason keeps the wording in one place. */
export const xeroErrors = {
  invalidCredentials(operation: string, code = 'invalid_client', statusCode?: number): XeroError {
    return new XeroError(
      'InvalidCredentials',
      `Xero's token endpoint rejected the app credentials (${code}) during ${operation}: verify Client ID and Client Secret.`,
      { operation, code, statusCode },
    );
  },
  /**
   * `unauthorized_client`: the credentials are right, but this kind of Xero app may not use the
   * grant (typically client_credentials with a Web app rather than a Custom Connection).
   */
  grantTypeNotAllowed(operation: string, grantType: string, statusCode?: number): XeroError {
    return new XeroError(
      'InvalidCredentials',
      `Xero's token endpoint answered unauthorized_client during ${operation}: this Xero app may not use the ${grantType} grant. ` +
        'authFlow ClientCredentials needs a Custom Connection app authorised for the organisation; ' +
        'authFlow AuthorizationCode needs a Web app.',
      { operation, code: 'unauthorized_client', statusCode },
    );
  },
  reauthorizationRequired(
    operation: string,
    code = 'invalid_grant',
    statusCode?: number,
  ): XeroError {
    return new XeroError(
      'ReauthorizationRequired',
      `The refresh token is expired or revoked (${code}) during ${operation}: reconnect (authorize again) to issue a new one.`,
      { operation, code, statusCode },
    );
  },
  unauthorized(operation: string, tenantId?: string): XeroError {
    return new XeroError(
      'Unauthorized',
      `Xero answered 401 Unauthorized to ${operation} with a freshly issued access token: re-authenticate the integration.`,
      { operation, statusCode: 401, tenantId },
    );
  },
  /**
   * The answer says the token lacks a scope: `AuthorizationUnsuccessful` (commonly as 401, else 403)
   * or `WWW-Authenticate: Bearer error="insufficient_scope"`.
   */
  insufficientPermissions(
    operation: string,
    requiredScopes: readonly string[],
    tenantId?: string,
    statusCode = 403,
  ): XeroError {
    const answer = statusCode === 401 ? '401 AuthorizationUnsuccessful' : '403 Forbidden';
    return new XeroError(
      'InsufficientPermissions',
      `Xero answered ${answer} to ${operation}: the token is missing scope ${requiredScopes.join(' or ')}; ` +
        'add it to the scopes and have a user with admin access to the organisation authorize again.',
      { operation, statusCode, requiredScopes, tenantId },
    );
  },
  /**
   * A 403 that does not say the token lacks a scope: Xero answers `AuthenticationUnsuccessful`
   * when the grant may no longer reach the organisation, while it may still be listed in
   * /connections. Nothing names a scope, so neither does the message.
   */
  notAuthorisedForOrganisation(operation: string, tenantId?: string): XeroError {
    const refused = tenantId
      ? `Xero answered 403 Forbidden to ${operation} for tenant ${tenantId}: the grant is not authorised for this organisation`
      : `Xero answered 403 Forbidden to ${operation}: the grant is not authorised for it`;
    return new XeroError(
      'InsufficientPermissions',
      `${refused}. The user who consented lacks access to the organisation (removed from it, or given a role that may not connect apps), ` +
        'or its connection to this app was removed in Xero; have a user with admin access to the organisation authorize again.',
      { operation, statusCode: 403, tenantId },
    );
  },
  /** The token endpoint answered invalid_scope: the app was not granted a requested scope. */
  scopesNotGranted(operation: string, requestedScopes: readonly string[]): XeroError {
    return new XeroError(
      'InsufficientPermissions',
      `The token endpoint refused ${operation} with invalid_scope: the app is not granted every scope asked for (${requestedScopes.join(' ')}); ` +
        'grant the missing ones to the app (for a custom connection, in the Xero developer portal, authorized again by a user with admin access) or remove them from spec.scopes.',
      { operation, statusCode: 400, code: 'invalid_scope', requiredScopes: requestedScopes },
    );
  },
  /** `from`: where the tenant id came from when the caller did not pick it (e.g. a Secret key). */
  tenantDisconnected(operation: string, tenantId: string, from?: string): XeroError {
    const fix = from
      ? `reconnect it, or correct or remove ${from} if it names another organisation`
      : `reconnect it to resume ${operation}`;
    return new XeroError(
      'TenantDisconnected',
      `The organisation (tenant ${tenantId}${from ? `, from ${from}` : ''}) was disconnected: it is no longer in GET /connections of this grant; ${fix}.`,
      { operation, tenantId },
    );
  },
  rateLimited(operation: string, retryAt: Date, problem: string, tenantId?: string): XeroError {
    return new XeroError(
      'RateLimited',
      `Xero rate limit reached (${problem}) for ${operation}: retrying automatically at ${retryAt.toISOString()}.`,
      { operation, statusCode: 429, code: problem, retryAt, tenantId },
    );
  },
  invalidSpec(what: string, problem: string): XeroError {
    return new XeroError('InvalidSpec', `${what}: ${problem}.`, { operation: 'read credentials' });
  },
  unavailable(operation: string, cause: string, statusCode?: number): XeroError {
    return new XeroError(
      'Unavailable',
      `Xero is unavailable for ${operation} (${cause}): will retry later.`,
      { operation, statusCode },
    );
  },
  invalidResponse(operation: string, problem: string, statusCode?: number): XeroError {
    return new XeroError(
      'InvalidResponse',
      `Xero's response to ${operation} is not valid: ${problem}.`,
      {
        operation,
        statusCode,
      },
    );
  },
};
