import { Injectable } from '@nestjs/common';

/**
 * Whether this replica should get new traffic: from the moment it listens until shutdown begins.
 * It says nothing about the database or Redis: an outage of either is answered by every replica
 * alike (a 503 naming the database, rate limits counted in memory), so taking replicas out of the
 * Service would only turn those answers into the ingress's bare 503s.
 */
@Injectable()
export class Readiness {
  private shuttingDown = false;

  get draining(): boolean {
    return this.shuttingDown;
  }

  /** Shutdown began: readiness answers 503 from now on, requests are still served. */
  startDraining(): void {
    this.shuttingDown = true;
  }
}
