import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Database, ModelOrm } from '@xero-access/model';

/** The shared ModelOrm (created outside Nest so tests, the CLI and the app share one). */
export const MODEL = Symbol('ModelOrm');
/** Its Database service (findings, snapshots, staff, links, reviews…). */
export const DB = Symbol('Database');

@Global()
@Module({})
export class DatabaseModule {
  static forModel(model: ModelOrm): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: MODEL, useValue: model },
        { provide: DB, useValue: model.db },
      ],
      exports: [MODEL, DB],
    };
  }
}

export type { Database };
