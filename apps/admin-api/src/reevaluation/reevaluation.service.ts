import { Inject, Injectable } from '@nestjs/common';
import type { Database } from '@xero-access/model';
import { DB } from '../database/database.module.js';
import { affectedConnections, type AffectedBy } from './affected-connections.js';
import { ReevaluationPublisher } from './reevaluation.js';

/** After a staff or link change: find the connections it touches and ask for re-evaluation. */
@Injectable()
export class Reevaluation {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(ReevaluationPublisher) private readonly publisher: ReevaluationPublisher,
  ) {}

  async after(reason: string, by: AffectedBy): Promise<string[]> {
    const connections = await affectedConnections(this.db, by);
    await this.publisher.request(connections, reason);
    return connections;
  }

  async connections(reason: string, keys: string[]): Promise<void> {
    await this.publisher.request(keys, reason);
  }
}
