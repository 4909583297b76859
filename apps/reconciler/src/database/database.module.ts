import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { connectWithRetry, type ModelOrm } from '@xero-access/model';
import { CONFIG, LOGGER, MODEL_ORM } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';

/** The shared model (MikroORM): PostgreSQL in production, an SQLite file by default. */
@Global()
@Module({
  providers: [
    {
      provide: MODEL_ORM,
      inject: [CONFIG, LOGGER],
      useFactory: async (config: ReconcilerConfig, logger: Logger): Promise<ModelOrm> => {
        const orm = await connectWithRetry({
          app: 'reconciler',
          url: config.databaseUrl,
          migrate: config.migrateDatabase,
          migrationJob: config.migrationJob,
          poolMax: config.databasePoolMax,
          waitMs: config.databaseStartupWaitMs,
          logger,
        });
        logger.info({ dialect: orm.dialect }, 'database ready');
        return orm;
      },
    },
  ],
  exports: [MODEL_ORM],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(MODEL_ORM) private readonly orm: ModelOrm) {}

  async onApplicationShutdown(): Promise<void> {
    await this.orm.close();
  }
}
