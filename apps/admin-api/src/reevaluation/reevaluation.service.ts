import { Inject, Injectable } from '@nestjs/common';
import type { Database, HeldUsers } from '@xero-access/model';
import { DB } from '../database/database.module.js';
import { currentRequestId } from '../http/request-id.js';
import { ReevaluationPublisher, type ReevaluationOutcome } from './reevaluation.js';

/**
 * After a staff or link change: find the connections it touches and ask for re-evaluation, in the
 * name of the request that made the change (currentRequestId).
 */
@Injectable()
export class Reevaluation {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(ReevaluationPublisher) private readonly publisher: ReevaluationPublisher,
  ) {}

  /** `by`: the Xero UserIDs whose link changed, and the emails of the staff records that did. */
  async after(reason: string, by: HeldUsers): Promise<ReevaluationOutcome> {
    return this.publisher.request(
      await this.db.connections.holding(by),
      reason,
      currentRequestId(),
    );
  }

  async connections(reason: string, keys: string[]): Promise<ReevaluationOutcome> {
    return this.publisher.request(keys, reason, currentRequestId());
  }
}
