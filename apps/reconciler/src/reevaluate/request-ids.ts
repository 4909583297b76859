import type { ReevaluationRequest } from '@xero-access/model';

/** An admin API request id (a UUID today); anything else in the field is not logged. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Ids kept per connection, connections kept in all: a flood of requests cannot grow the heap. */
const MAX_IDS = 20;
const MAX_CONNECTIONS = 10_000;
/** A request is handled within moments of its message; ids not taken by then are dropped. */
const KEEP_MS = 120_000;

interface Noted {
  ids: string[];
  at: number;
}

/**
 * The admin API requests that asked to re-evaluate each connection, from the PUBLISHed messages
 * of the re-evaluation contract (@xero-access/model), so the log line of a handled request names
 * them (`requestIds`) and a staff change can be tied to the sync it caused. Best effort: the
 * pending set holds only `namespace/name`, so ids live in this replica's memory: a message
 * without one (an older admin API, a malformed message), a replica started after the message, or
 * a request handled more than 2 minutes after it is logged without them.
 */
export class RequestIds {
  private readonly byConnection = new Map<string, Noted>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A PUBLISHed message: notes its request id for each of its connections. */
  note(message: string): void {
    let parsed: Partial<ReevaluationRequest>;
    try {
      parsed = JSON.parse(message) as Partial<ReevaluationRequest>;
    } catch {
      return;
    }
    const { requestId, connections } = parsed ?? {};
    if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) return;
    if (!Array.isArray(connections)) return;
    const at = this.now();
    this.forgetOld(at);
    for (const connection of connections) {
      if (typeof connection !== 'string') continue;
      const noted = this.byConnection.get(connection) ?? { ids: [], at };
      if (!noted.ids.includes(requestId)) noted.ids = [...noted.ids, requestId].slice(-MAX_IDS);
      noted.at = at;
      // Re-inserted: the map's order is the order of the last note, oldest first.
      this.byConnection.delete(connection);
      this.byConnection.set(connection, noted);
    }
    while (this.byConnection.size > MAX_CONNECTIONS)
      this.byConnection.delete(this.byConnection.keys().next().value!);
  }

  /** For the log line of a handled request: `{ requestIds }` noted for it (then forgotten), or {}. */
  take(connection: string): { requestIds?: string[] } {
    this.forgetOld(this.now());
    const noted = this.byConnection.get(connection);
    this.byConnection.delete(connection);
    return noted ? { requestIds: noted.ids } : {};
  }

  private forgetOld(now: number): void {
    for (const [connection, noted] of this.byConnection) {
      if (now - noted.at < KEEP_MS) return;
      this.byConnection.delete(connection);
    }
  }
}
