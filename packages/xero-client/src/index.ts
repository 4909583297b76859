export { createXeroClient, type XeroClient, type XeroClientOptions } from './client.js';
export {
  XERO_ENDPOINTS,
  DEFAULT_SCOPES,
  type XeroEndpoints,
  type XeroAppCredentials,
} from './config.js';
export {
  XeroError,
  isXeroError,
  xeroErrors,
  XERO_ERROR_REASONS,
  type XeroErrorReason,
} from './errors.js';
export { type XeroLogger, silentLogger } from './logger.js';
export { parseMicrosoftJsonDate, formatMicrosoftJsonDate, parseXeroIsoDate } from './ms-date.js';
export {
  credentialsFromSecret,
  credentialsFromSecretRef,
  MAX_CREDENTIAL_LENGTH,
  type CredentialsSecretRef,
  type SecretKeys,
} from './credentials.js';
export { createLimiterRedis } from './redis.js';
export {
  Transport,
  type RateLimitedAnswer,
  type TransportOptions,
  type XeroCallEvent,
} from './http/transport.js';
export { DEFAULT_RETRY, type RetryPolicy } from './http/backoff.js';
export {
  XeroIdentityClient,
  type AuthorizeRequest,
  type AuthorizeStart,
} from './oauth/identity-client.js';
export { createPkcePair, pkceChallenge, createState, type PkcePair } from './oauth/pkce.js';
export { type XeroTokenSet } from './oauth/schemas.js';
export { TOKEN_SECRET_KEYS } from './oauth/token-secret-keys.js';
export {
  REFRESH_TOKEN_SHA256_ANNOTATION,
  refreshTokenSha256,
  withRefreshTokenSha256,
} from './oauth/refresh-token-digest.js';
export {
  XeroAccountingClient,
  type GetUsersOptions,
  type CallOptions,
} from './api/accounting-client.js';
export {
  type XeroConnection,
  type XeroUser,
  type XeroOrganisation,
  type XeroCurrency,
} from './api/schemas.js';
export {
  RefreshCoordinator,
  type RefreshCoordinatorOptions,
  type RefreshRequest,
} from './refresh/refresh-coordinator.js';
export { refreshKeyPrefix, refreshLockKey } from './refresh/refresh-keys.js';
export {
  XeroRateLimiter,
  type XeroRateLimiterOptions,
  type CallScope,
  type Permit,
  type RateLimitProblem,
} from './limiter/xero-rate-limiter.js';
export {
  XERO_LIMITS,
  DEFAULT_TUNING,
  limiterKeyPrefix,
  type XeroLimits,
  type ExtraCap,
  type LimiterTuning,
} from './limiter/config.js';
export { extraCapsSetting } from './limiter/extra-caps-setting.js';
export { XeroSession, type XeroSessionOptions, type TokenStore } from './session.js';
