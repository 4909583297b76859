import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Redis } from 'ioredis';

export const REDIS = Symbol('Redis');

@Global()
@Module({})
export class RedisModule {
  static forClient(redis: Redis): DynamicModule {
    return {
      module: RedisModule,
      providers: [{ provide: REDIS, useValue: redis }],
      exports: [REDIS],
    };
  }
}
