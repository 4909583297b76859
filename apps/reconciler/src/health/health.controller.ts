import { Controller, Get, Header, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { METRICS, OPERATOR } from '../app/tokens.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import type { Operator } from '../operator/operator.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(METRICS) private readonly metrics: ReconcilerMetrics,
    @Inject(OPERATOR) private readonly operator: Operator,
  ) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  /** Alive while the event loop turns. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready once a leader's watches have listed everything; standbys are ready at once. */
  @Get('readyz')
  readyz(): { status: 'ready'; leader: boolean } {
    if (!this.operator.isReady)
      throw new HttpException(
        { status: 'not ready', leader: this.operator.isLeader },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    return { status: 'ready', leader: this.operator.isLeader };
  }
}
