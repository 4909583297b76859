import { Global, Module } from '@nestjs/common';
import { METRICS } from '../app/tokens.js';
import { ReconcilerMetrics } from './metrics.js';

@Global()
@Module({
  providers: [{ provide: METRICS, useFactory: () => new ReconcilerMetrics() }],
  exports: [METRICS],
})
export class MetricsModule {}
