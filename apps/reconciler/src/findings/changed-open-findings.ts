import type { XeroConnection, XeroConnectionStatus } from '@xero-access/crd';
import { withDatabase, type Database, type DatabaseUser } from '@xero-access/model';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import {
  openFindingsStatus,
  showsOpenFindings,
  type OpenFindingsStatus,
} from '../status/open-findings-status.js';
import {
  disconnectedTenantsStatus,
  showsDisconnectedTenants,
  type DisconnectedTenantsStatus,
} from '../status/disconnected-tenants-status.js';
import { withEvaluatedCounts } from '../status/evaluated-condition.js';
import { disconnectedTenants } from './disconnected-tenants.js';
import { openFindingSeries } from './open-findings.js';

export interface ChangedOpenFindingsDeps {
  db: Database;
  metrics: ReconcilerMetrics;
  logger: Logger;
  settings: { database: DatabaseUser };
}

export type ChangedOpenFindings = OpenFindingsStatus &
  DisconnectedTenantsStatus &
  Pick<XeroConnectionStatus, 'conditions'>;

/**
 * The connection's open findings as status fields, when they differ from what its status shows:
 * findings reopened or accepted since the last evaluation (an acceptance the expiry sweep ended,
 * one made or withdrawn through the admin API), for a connection that is not synced now. Updates
 * xao_open_findings to match (or exports it, when this term has not yet); status.disconnectedTenants
 * and the PoliciesEvaluated message follow.
 * Undefined when the status is up to date, has never shown findings (the first evaluation will),
 * or the database cannot say now (the next reconcile asks again).
 */
export async function changedOpenFindings(
  deps: ChangedOpenFindingsDeps,
  connection: XeroConnection,
): Promise<ChangedOpenFindings | undefined> {
  const status = connection.status ?? {};
  if (status.findings === undefined) return undefined;
  const { namespace, name } = connection.metadata as { namespace: string; name: string };
  const ref = { namespace, name };
  try {
    const [openByCheck, disconnected] = await withDatabase(
      deps.settings.database,
      async () =>
        [
          await deps.db.findings.openCounts(ref),
          await disconnectedTenants(deps.db, ref, status.tenants ?? []),
        ] as const,
    );
    const next = {
      ...openFindingsStatus(openByCheck, status.findings),
      ...disconnectedTenantsStatus(disconnected, status.disconnectedTenants),
    };
    if (showsOpenFindings(status, next) && showsDisconnectedTenants(status, next)) {
      // A new leader's first look: the last sync ran on another replica or in an earlier term.
      if (!deps.metrics.exportsOpenFindings(namespace, name))
        deps.metrics.setOpenFindings(namespace, name, await openFindingSeries(deps.db, ref));
      return undefined;
    }
    const conditions = withEvaluatedCounts(
      status.conditions,
      next.openFindings,
      disconnected,
      new Date(),
    );
    deps.metrics.setOpenFindings(namespace, name, await openFindingSeries(deps.db, ref));
    return conditions ? { ...next, conditions } : next;
  } catch (error) {
    deps.logger.warn(
      { connection: `${namespace}/${name}`, err: error },
      'could not read the open findings for the status; the next reconcile tries again',
    );
    return undefined;
  }
}
