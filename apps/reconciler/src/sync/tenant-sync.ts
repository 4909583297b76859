import {
  isXeroError,
  XeroError,
  xeroErrors,
  type CallOptions,
  type XeroClient,
  type XeroConnection as XeroTenantConnection,
  type XeroUser,
} from '@xero-access/xero-client';
import { NotAttemptedError } from './not-attempted.js';
import { TENANT_TIMEOUT_MS, withTenantBudget } from './tenant-budget.js';
import {
  passOrder,
  retrySplit,
  selectedConnections,
  selectionSource,
  type LastPassTenant,
  type TenantSelection,
} from './tenant-selection.js';

/** An organisation the sync selected from GET /connections. */
export interface SelectedTenant {
  tenantId: string;
  /** From GET /connections (or GET Organisation once fetched); null when Xero gives none. */
  tenantName: string | null;
  tenantType: string;
  connectionId: string;
}

export interface SyncedTenant extends SelectedTenant {
  tenantName: string;
  users: XeroUser[];
  takenAt: Date;
}

/**
 * An organisation whose GET Organisation or GET Users failed (the others are synced all the same),
 * or that the pass did not reach before its deadline (NotAttemptedError: it was not called).
 */
export interface FailedTenant extends SelectedTenant {
  error: unknown;
}

/** One pass over the grant: the organisations fetched, and those that failed, in GET /connections order. */
export interface TenantSyncResult {
  synced: SyncedTenant[];
  failed: FailedTenant[];
  /** Organisations of the grant a retry did not fetch (see `keep`): their last sync stands. */
  kept: SelectedTenant[];
  /** The grant's other organisations, when the token Secret's tenant_id selects one. */
  unmonitored?: UnmonitoredTenants;
}

/**
 * Organisations the grant reaches that a tenant_id pre-filled in the token Secret leaves out: said
 * in the Synced condition, since nothing in the XeroConnection shows that monitoring is narrowed.
 */
export interface UnmonitoredTenants {
  count: number;
  /** What selects the one monitored (selectionSource). */
  selectedBy: string;
}

/**
 * Organisations fetched at once. Their rate limits are their own (Xero counts them per
 * organisation), so one that waits for a slot, or hangs, holds one lane while the others go on,
 * and for TENANT_TIMEOUT_MS at most.
 */
export const TENANT_LANES = 4;

/** What a pass knows beyond the selection: what a retry keeps, and how the last pass went. */
export interface PassOptions {
  /** Lower-case tenant ids a retry keeps: returned as `kept`, not fetched (retrySplit). */
  keep?: ReadonlySet<string>;
  /** The organisations as the last pass left them (status.tenants): the order to fetch in (passOrder). */
  last?: readonly LastPassTenant[];
  /** How long one organisation may hold its lane (TENANT_TIMEOUT_MS). */
  tenantTimeoutMs?: number;
}

/**
 * Failures of the grant rather than of one organisation: every organisation would fail alike, and
 * a token read from the Secret that Xero refuses is refreshed once for all (stale-token-retry.ts).
 */
const GRANT_FAILURES = new Set(['Unauthorized', 'ReauthorizationRequired', 'InvalidCredentials']);

/**
 * One pass over the grant: GET /connections picks the tenants (the selected one, or all of them),
 * then per tenant GET Organisation (proves token, tenant and scopes work) and GET Users. Each
 * organisation is fetched on its own, within its own time (`tenantTimeoutMs`): one that fails
 * (403, rate limit, Xero down, its time or the deadline) is returned among `failed` while the
 * others are synced; so is one not reached before the deadline (NotAttemptedError). A failure of
 * GET /connections, or of the grant itself, fails the pass. Every call takes `options` (the
 * reconcile's deadline: its signal, and no rate-limit wait beyond it). `pass.keep` (without a
 * selected tenant): a retry returns these as `kept` and fetches the grant's other organisations,
 * in the order `pass.last` gives (passOrder).
 */
export async function syncTenants(
  client: XeroClient,
  accessToken: string,
  selection: TenantSelection,
  options: CallOptions = {},
  pass: PassOptions = {},
): Promise<TenantSyncResult> {
  const { keep, tenantTimeoutMs = TENANT_TIMEOUT_MS } = pass;
  const connections = await client.accounting.getConnections(accessToken, options);
  let selected: XeroTenantConnection[];
  if (selection.tenantId) {
    const [match] = selectedConnections(connections, selection);
    if (!match)
      throw xeroErrors.tenantDisconnected(
        'GET /connections',
        selection.tenantId,
        // A pre-filled tenant_id may as well name another organisation than the grant's.
        selection.from === 'secret' ? selectionSource(selection) : undefined,
      );
    selected = [match];
  } else {
    selected = connections;
    if (selected.length === 0) {
      throw new XeroError(
        'TenantDisconnected',
        'No organisation is connected to this grant any more (GET /connections is empty): the organisation was disconnected; reconnect it (authorize again).',
        { operation: 'GET /connections' },
      );
    }
  }
  let kept: XeroTenantConnection[] = [];
  if (keep && !selection.tenantId) ({ fetch: selected, kept } = retrySplit(selected, keep));

  // A failure of the grant stops the other organisations' calls: they would fail alike.
  const grantFailed = new AbortController();
  let grantFailure: { error: unknown } | undefined;
  const signal = options.signal
    ? AbortSignal.any([options.signal, grantFailed.signal])
    : grantFailed.signal;
  const calls: CallOptions = { ...options, signal };
  const order = passOrder(selected, pass.last);
  const outcomes = await inLanes(order, TENANT_LANES, async (tenant) => {
    const chosen = selectedTenant(tenant);
    // Out of time (or stopped) before its turn: it is not called, so it did not time out.
    if (signal.aborted) return { failed: { ...chosen, error: new NotAttemptedError() } };
    try {
      const synced = await withTenantBudget(calls, tenantTimeoutMs, (own) =>
        syncTenant(client, accessToken, chosen, own),
      );
      return { synced };
    } catch (error) {
      if (!grantFailure && isXeroError(error) && GRANT_FAILURES.has(error.reason)) {
        grantFailure = { error };
        grantFailed.abort(error);
      }
      return { failed: { ...chosen, error } };
    }
  });
  if (grantFailure) throw grantFailure.error;
  const result: TenantSyncResult = { synced: [], failed: [], kept: kept.map(selectedTenant) };
  if (selection.from === 'secret' && connections.length > 1)
    result.unmonitored = { count: connections.length - 1, selectedBy: selectionSource(selection) };
  const byTenant = new Map(order.map((tenant, i) => [tenant, outcomes[i]!]));
  for (const tenant of selected) {
    const outcome = byTenant.get(tenant)!;
    if (outcome.synced) result.synced.push(outcome.synced);
    else result.failed.push(outcome.failed);
  }
  return result;
}

function selectedTenant(tenant: XeroTenantConnection): SelectedTenant {
  return {
    tenantId: tenant.tenantId,
    tenantName: tenant.tenantName,
    tenantType: tenant.tenantType,
    connectionId: tenant.id,
  };
}

async function syncTenant(
  client: XeroClient,
  accessToken: string,
  tenant: SelectedTenant,
  options: CallOptions,
): Promise<SyncedTenant> {
  const organisation = await client.accounting.getOrganisation(
    accessToken,
    tenant.tenantId,
    options,
  );
  const users = await client.accounting.getUsers(accessToken, tenant.tenantId, options);
  return {
    ...tenant,
    tenantName: tenant.tenantName ?? organisation.name,
    users,
    takenAt: new Date(),
  };
}

/** `work` for every item, at most `lanes` at a time; the results in the items' order. */
async function inLanes<T, R>(
  items: readonly T[],
  lanes: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return results;
}
