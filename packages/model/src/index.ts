export {
  createOrm,
  ormOptions,
  BACKFILL_BUDGET_MS,
  MIGRATIONS_TABLE,
  type CreateOrmOptions,
  type ModelOrm,
} from './orm/create-orm.js';
export type { BackfillResult } from './migrations/backfill.js';
export {
  MigrationLockTimeoutError,
  MIGRATION_LOCK_TIMEOUT_MS,
} from './orm/migration-lock-timeout.js';
export { POSTGRES_SESSION_DEFAULTS } from './orm/session-settings.js';
export { NewerSchemaError } from './orm/newer-schema.js';
export { OlderSchemaError, type OlderSchemaContext } from './orm/older-schema.js';
export {
  DEFAULT_DATABASE_URL,
  parseDatabaseUrl,
  type Dialect,
  type ParsedDatabaseUrl,
} from './orm/database-url.js';
export {
  Database,
  type DatabaseOptions,
  type EvaluationContext,
  type PolicyStaff,
} from './services/database.js';
export {
  connectWithRetry,
  type ConnectOptions,
  type DatabaseWaitLogger,
} from './database/connect-with-retry.js';
export { databaseErrorKind } from './database/database-error.js';
export {
  DatabaseUnavailableError,
  classifyDatabaseOutage,
  databaseUnavailableText,
  describeDatabase,
  withDatabase,
  type DatabaseOutage,
  type DatabaseOutageKind,
  type DatabaseUser,
} from './database/database-unavailable.js';
export {
  DATABASE_STARTUP_WAIT_MS,
  databaseStartupWait,
  durationSetting,
} from './database/startup-wait.js';
export { DEFAULT_POOL_MAX, MAX_POOL_MAX, databasePoolMax } from './database/pool-max.js';
export { namespaceListSetting } from './settings/namespace-list.js';
export {
  serializeError,
  safeErrorMessage,
  MAX_CAUSE_DEPTH,
  type SafeError,
} from './logging/error-serializer.js';
export { logLineOptions, type LoggingApp } from './logging/log-line.js';
export {
  REPEAT_LOG_EVERY_MS,
  RepeatedFailureLog,
  type RepeatLogger,
  type RepeatedFailureLogOptions,
} from './logging/repeated-failure-log.js';
export { markLogged, wasLogged } from './logging/logged-errors.js';
export { truncateUtf8 } from './text/truncate-utf8.js';
export { connectionKey, type ConnectionRef } from './services/context.js';
export type { ConnectionRecord, ConnectionSync } from './services/connections.js';
export type { HeldUsers } from './services/connections-holding.js';
export type {
  ChainVerifyOptions,
  SnapshotDiffBetween,
  SnapshotRecord,
  TenantRef,
} from './services/snapshots.js';
export type {
  ApplyFindingsResult,
  ApplyOptions,
  FindingAlerts,
  FindingTransition,
  AcceptRiskInput,
  AcceptancePolicy,
  AlertsFor,
  ExpireAcceptancesResult,
  ExpiredConnection,
} from './services/findings.js';
export { DEFAULT_MAX_ACCEPTANCE_DAYS } from './findings/acceptance.js';
export { AcceptanceLapsedError, REACCEPT_RETRY_WINDOW_MS } from './services/findings.js';
export type { FindingChange, FindingFeedFilter, FindingFeedPage } from './services/finding-feed.js';
export type {
  FindingRecord,
  FindingEventRecord,
  AcceptedRisk,
} from './services/finding-records.js';
export {
  FINDING_SORTS,
  FINDING_SORT_COLUMNS,
  LAST_SEEN_AT_SORT_REFUSED,
  type FindingFilter,
  type FindingPageRequest,
  type FindingSort,
} from './services/finding-query.js';
export type { StaffRecord, StaffInput, ImportResult } from './services/staff.js';
export type {
  ErasureResult,
  StaffErasure,
  SubjectAppearance,
  SubjectEmailTies,
  SubjectExport,
  SubjectTie,
  SubjectXeroUser,
} from './services/subjects.js';
export type { AccountLinkRecord, AccountLinkInput, PolicyAccountLink } from './services/links.js';
export type {
  AccessReviewRecord,
  ReviewDecisionRecord,
  ReviewDecisionEventRecord,
  ReviewProgress,
  DecisionInput,
  AccessReviewReport,
  ReviewReportExport,
  OutstandingReviewWork,
} from './services/reviews.js';
export { ReviewAlreadyOpenError } from './services/reviews.js';
export {
  TOKEN_PREFIX,
  apiTokenState,
  hashToken,
  tokenExpiryProblem,
  tokenNameProblem,
  tokenOwnerEmailProblem,
  type ApiTokenRecord,
  type ApiTokenState,
  type CreateTokenInput,
} from './services/tokens.js';
export type {
  AuditActor,
  AuditEntryInput,
  AuditEntryRecord,
  AuditSettlement,
} from './services/audit.js';
export type {
  WebhookDeliveryRecord,
  EnqueueWebhookInput,
  UndeliverableWebhookInput,
  DeliveryAttempt,
  RecordedAttempt,
  WebhookClaim,
} from './services/webhooks.js';
export { redactWebhookTarget, webhookTargetProblem } from './services/webhooks.js';
export type { PruneResult, RetentionBudget, RetentionState } from './services/retention.js';
export type { SnapshotPruneResult } from './services/snapshot-retention.js';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  encodeCursor,
  decodeCursor,
  decodeTextCursor,
  decodeTimeCursor,
  pageSize,
  toPage,
  type Page,
  type PageRequest,
} from './services/pagination.js';
export { rowDate } from './services/row-date.js';
export {
  ValidationError,
  PageRequestError,
  CursorGoneError,
  NotFoundError,
  ConflictError,
  StaleSnapshotError,
  ForbiddenError,
} from './errors.js';
export { canonicalJson } from './hashing/canonical-json.js';
export {
  sha256Hex,
  snapshotContentText,
  chainLinkText,
  chainHash,
  ChainVerifier,
  CHAIN_PROBLEMS,
  CHAIN_VERSION,
  type ChainCheckpoint,
  type ChainLink,
  type ChainEntry,
  type ChainRecord,
  type ChainProblem,
  type ChainVerification,
} from './hashing/snapshot-hash.js';
export {
  EXPECTED_LINK_PATTERN,
  parseExpectedLinks,
  type ExpectedLink,
} from './hashing/expected-link.js';
export { connectionArg } from './cli/connection-arg.js';
export { reportChainVerification } from './cli/chain-report.js';
export { EXIT_CHECK_FAILED, EXIT_ERROR, exitOnUsageError } from './cli/exit-codes.js';
export {
  CHAIN_EXPORT_KIND,
  CHAIN_EXPORT_VERSION,
  parseChainExport,
  PROGRESS_EVERY_MS,
  recordsVerifiedProgress,
  verifyChainExport,
  verifyChainExportFile,
  type ChainExportPart,
  type ChainExportProgress,
} from './snapshots/chain-export.js';
export type { ChainExportStream, ChainRef } from './services/snapshot-chain.js';
export type { ChainGap } from './services/chain-gaps.js';
export {
  accessChanges,
  diffUsers,
  isEmptyDiff,
  type SnapshotDiff,
  type DiffUser,
  type RoleChange,
} from './snapshots/diff.js';
export { REMOVED_ROLE, hasAccess } from './snapshots/access.js';
export {
  normaliseSnapshotUsers,
  type SnapshotUser,
  type SnapshotUserInput,
} from './snapshots/snapshot-user.js';
export type { ReportedFinding } from './findings/reported-finding.js';
export type { EvaluatedBy } from './findings/resolution-note.js';
export {
  AUDIT_OUTCOMES,
  FINDING_STATUSES,
  SEVERITIES,
  STAFF_STATUSES,
  STAFF_SOURCES,
  API_TOKEN_ROLES,
  REVIEW_DECISIONS,
  FINDING_EVENT_TYPES,
  allEntities,
  type AuditOutcome,
  type FindingStatus,
  type Severity,
  type StaffStatus,
  type StaffSource,
  type ApiTokenRole,
  type ReviewDecisionKind,
  type FindingEventType,
  type ConnectionTenant,
} from './entities/index.js';
export { reevaluationKeys, type ReevaluationRequest } from './reevaluation.js';
