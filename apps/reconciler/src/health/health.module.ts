import { Module } from '@nestjs/common';
import { WatchModule } from '../watch/watch.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [WatchModule], controllers: [HealthController] })
export class HealthModule {}
