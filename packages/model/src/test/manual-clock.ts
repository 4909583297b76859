import type { ModelOrm } from '../orm/create-orm.js';
import { Database } from '../services/database.js';

/** A clock the test sets: the time the services stamp on what they write. */
export class ManualClock {
  constructor(private time: Date) {}

  set(time: Date): void {
    this.time = new Date(time);
  }

  readonly now = (): Date => new Date(this.time);
}

/** The test model's database, stamping what it writes with `clock` instead of the system clock. */
export function databaseWithClock(model: ModelOrm, clock: ManualClock): Database {
  return new Database(model.orm, model.dialect, { clock: clock.now });
}
