import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { ModelOrm } from '@xero-access/model';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuditController } from '../audit/audit.controller.js';
import { AuditInterceptor } from '../audit/audit.interceptor.js';
import { AuthGuard, TOKEN_CACHE } from '../auth/auth.guard.js';
import { OidcVerifier } from '../auth/oidc.js';
import { VerifiedTokenCache } from '../auth/token-cache.js';
import { ConfigModule } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { ConnectController } from '../connect/connect.controller.js';
import { ConnectService, STATE_SIGNER } from '../connect/connect.service.js';
import type { OAuthStateSigner } from '../connect/oauth-state.js';
import { TokenSetWriter } from '../connect/token-set-writer.js';
import { ConnectionsController } from '../connections/connections.controller.js';
import { DatabaseModule } from '../database/database.module.js';
import { FindingEvidence } from '../findings/finding-evidence.js';
import { FindingEventsController } from '../findings/finding-events.controller.js';
import { FindingsController } from '../findings/findings.controller.js';
import { HealthController } from '../health/health.controller.js';
import { Readiness } from '../health/readiness.js';
import { AllExceptionsFilter } from '../http/exception.filter.js';
import { RequestIdScope } from '../http/request-id.js';
import { UndeclaredInputInterceptor } from '../http/undeclared-input.interceptor.js';
import { KubeGateway } from '../kube/kube.js';
import { LinksController } from '../links/links.controller.js';
import { LoggerModule } from '../logging/logger.module.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import { ApiRateLimit } from '../rate-limit/api-rate-limit.js';
import { CALLER_RATE_LIMIT, CallerRateLimitGuard } from '../rate-limit/caller-rate-limit.guard.js';
import { ReevaluationPublisher } from '../reevaluation/reevaluation.js';
import { Reevaluation } from '../reevaluation/reevaluation.service.js';
import { RedisModule } from '../redis/redis.module.js';
import { ReviewsController } from '../reviews/reviews.controller.js';
import { ScimDiscoveryController } from '../scim/scim-discovery.controller.js';
import { ScimUsersController } from '../scim/scim.controller.js';
import { SnapshotsController } from '../snapshots/snapshots.controller.js';
import { StaffChanges } from '../staff/staff-changes.js';
import { PersonalDataController } from '../staff/personal-data.controller.js';
import { StaffController } from '../staff/staff.controller.js';
import { TokensController } from '../tokens/tokens.controller.js';

/** What the app needs from outside; created by main.ts, the CLI or a test. */
export interface AppDependencies {
  config: AppConfig;
  model: ModelOrm;
  redis: Redis;
  logger: Logger;
  kube: KubeGateway | null;
  oidc: OidcVerifier | null;
  stateSigner: OAuthStateSigner;
}

@Module({})
export class AppModule {
  /** `metrics`: what the server's metrics listener serves (tests may leave it out). */
  static with(deps: AppDependencies, metrics?: ApiMetrics): DynamicModule {
    const optional: Provider[] = [
      ...(deps.kube ? [{ provide: KubeGateway, useValue: deps.kube }] : []),
      ...(deps.oidc ? [{ provide: OidcVerifier, useValue: deps.oidc }] : []),
    ];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forConfig(deps.config),
        DatabaseModule.forModel(deps.model),
        RedisModule.forClient(deps.redis),
        LoggerModule.forLogger(deps.logger),
      ],
      controllers: [
        HealthController,
        FindingsController,
        FindingEventsController,
        ConnectionsController,
        SnapshotsController,
        StaffController,
        PersonalDataController,
        ScimUsersController,
        ScimDiscoveryController,
        LinksController,
        ReviewsController,
        ConnectController,
        TokensController,
        AuditController,
      ],
      providers: [
        ...optional,
        Readiness,
        { provide: STATE_SIGNER, useValue: deps.stateSigner },
        { provide: TOKEN_CACHE, useValue: new VerifiedTokenCache() },
        {
          provide: ReevaluationPublisher,
          useValue: new ReevaluationPublisher(deps.redis, deps.config.redisKeyPrefix, deps.logger, {
            failures: metrics?.reevaluationRequestsFailed,
          }),
        },
        Reevaluation,
        StaffChanges,
        FindingEvidence,
        ConnectService,
        TokenSetWriter,
        {
          provide: CALLER_RATE_LIMIT,
          useValue: new ApiRateLimit({
            redis: deps.redis,
            keyPrefix: `${deps.config.redisKeyPrefix}api-rl:caller`,
            perMinute: deps.config.rateLimitPerMinute,
            per: 'credential',
            logger: deps.logger,
          }),
        },
        // In this order: the caller's limit counts only a credential the AuthGuard verified.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: CallerRateLimitGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        // Inside the audit: a write refused for what it sent is audited as any other 400.
        { provide: APP_INTERCEPTOR, useClass: UndeclaredInputInterceptor },
        // Innermost: Nest runs the handler in the async context next.handle() was called in, so
        // what the handler starts knows its request (currentRequestId).
        { provide: APP_INTERCEPTOR, useClass: RequestIdScope },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
