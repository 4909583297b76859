import { Inject, Injectable } from '@nestjs/common';
import type { Database, HeldUsers } from '@xero-access/model';
import { DB } from '../database/database.module.js';
import { ReevaluationPublisher } from './reevaluation.js';

/** After a staff or link change: find the connections it touches and ask for re-evaluation. */
@Injectable()
export class Reevaluation {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(ReevaluationPublisher) private readonly publisher: ReevaluationPublisher,
  ) {}

  /** `by`: the Xero UserIDs whose link changed, and the emails of the staff records that did. */
  async after(reason: string, by: HeldUsers): Promise<string[]> {
    const connections = await this.db.connections.holding(by);
    await this.publisher.request(connections, reason);
    return connections;
  }

  async connections(reason: string, keys: string[]): Promise<void> {
    await this.publisher.request(keys, reason);
  }
}
