/** The error codes Xero's token endpoint answers with (RFC 6749 section 5.2). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/** A token endpoint failure; serialised as Xero does: `400 {"error":"<code>"}`. */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    /** Why, for sandbox logs only: Xero itself sends no description. */
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'OAuthError';
  }
}
