import { HttpException } from '@nestjs/common';
import { pageSize, PageRequestError, type ConnectionRecord, type Page } from '@xero-access/model';
import type { ErrorBody } from '../http/errors.js';
import {
  kubeStatusOf,
  type KubeGateway,
  type XeroConnectionPage,
  type XeroConnectionResource,
} from '../kube/kube.js';

const SCOPE = 'connections';

/** Longest cursor: a continue token names the last object read (up to 253 + 63 characters). */
export const MAX_CONNECTIONS_CURSOR = 2048;

/**
 * Kubernetes lists one page waits on at most: with WATCH_NAMESPACES each namespace is its own list,
 * and the namespaces after the one being read are read meanwhile, a few at once, so a page over
 * hundreds of small namespaces waits on about one list in this many, not on each in turn.
 */
export const LISTINGS_IN_FLIGHT = 8;

/** Where the cluster's listing resumes: a namespace's list (null: all namespaces), from `continue`. */
interface ClusterPosition {
  namespace: string | null;
  /** The Kubernetes continue token; null: the list's start. */
  continue: string | null;
}

/** A Kubernetes page read: where from, and the keys it held. */
interface PageRead {
  from: ClusterPosition;
  keys: string[];
}

interface Cursor {
  /** The last connection listed, as `namespace/name`. */
  after: string;
  /** null once every list of the cluster has been read. */
  cluster: ClusterPosition | null;
}

/** A connection as the list shows it: from the database, the cluster, or both. */
export interface ListedConnection {
  namespace: string;
  name: string;
  record?: ConnectionRecord;
  resource?: XeroConnectionResource;
}

export interface ConnectionPage extends Page<ListedConnection> {
  /** `connected`, `not configured`, or `unreachable (…)`: the items then come from the database. */
  kubernetes: string;
}

/** The order Kubernetes lists objects in: their key `namespace/name`, character by character. */
const keyOf = (c: { namespace: string; name: string }) => `${c.namespace}/${c.name}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function notACursor(): PageRequestError {
  return new PageRequestError('cursor', 'is not a cursor returned by this listing');
}

function encodeCursor(cursor: Cursor): string {
  const [namespace, name] = splitKey(cursor.after);
  const cluster = cursor.cluster && [cursor.cluster.namespace, cursor.cluster.continue];
  return Buffer.from(JSON.stringify([SCOPE, namespace, name, cluster])).toString('base64url');
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

const isName = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= 253;
const isToken = (v: unknown): v is string | null =>
  v === null || (typeof v === 'string' && v.length > 0 && v.length <= MAX_CONNECTIONS_CURSOR);

/** The cursor `encodeCursor` wrote; `start` where one of earlier versions (no cluster position) resumes. */
function decodeCursor(cursor: string, start: ClusterPosition | null): Cursor {
  if (cursor.length > MAX_CONNECTIONS_CURSOR || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw notACursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notACursor();
  }
  if (!Array.isArray(decoded) || decoded[0] !== SCOPE) throw notACursor();
  const [, namespace, name, cluster] = decoded as unknown[];
  if (!isName(namespace) || !isName(name)) throw notACursor();
  const after = `${namespace}/${name}`;
  // Until this release a cursor was [scope, namespace, name]: the cluster was read whole.
  if (decoded.length === 3) return { after, cluster: start };
  if (decoded.length !== 4) throw notACursor();
  if (cluster === null) return { after, cluster: null };
  if (!Array.isArray(cluster) || cluster.length !== 2) throw notACursor();
  const [listing, token] = cluster as unknown[];
  if (!(listing === null || isName(listing)) || !isToken(token)) throw notACursor();
  return { after, cluster: { namespace: listing, continue: token } };
}

function expired(): HttpException {
  const field = 'query.cursor';
  return new HttpException(
    {
      statusCode: 410,
      error: 'Gone',
      message:
        `${field}: the Kubernetes listing this cursor continues has expired (the API server keeps ` +
        'a paged list for a few minutes); list again from the first page, without cursor',
      field,
    } satisfies ErrorBody,
    410,
  );
}

/**
 * One page of connections: those the cluster holds (XeroConnections, read a Kubernetes page at a
 * time with limit and continue, as kubectl does; with WATCH_NAMESPACES the next namespaces' lists
 * are read ahead, LISTINGS_IN_FLIGHT at once) merged with those the database knows (deleted ones
 * too, read whole: a few thousand at most), by `namespace/name` in the order Kubernetes lists
 * them. The cursor carries the last connection listed and the continue token right after it (see
 * resumeAt). A continue token the API server no longer keeps is a 410 naming the cursor; while
 * the cluster does not answer, the database's connections are listed alone.
 */
export async function connectionPage(
  records: ConnectionRecord[],
  kube: KubeGateway | null,
  page: { limit?: number; cursor?: string | null },
): Promise<ConnectionPage> {
  const limit = pageSize(page.limit);
  const listings = kube?.listings ?? [];
  const listingAfter = (namespace: string | null): ClusterPosition | null => {
    const next = listings[listings.indexOf(namespace) + 1];
    return next === undefined ? null : { namespace: next, continue: null };
  };
  const first: ClusterPosition | null = listings.length
    ? { namespace: listings[0]!, continue: null }
    : null;
  const cursor = page.cursor ? decodeCursor(page.cursor, first) : null;
  const after = cursor?.after ?? null;
  const isAfter = (key: string) => after === null || key > after;

  // A cursor from another configuration (WATCH_NAMESPACES changed) reads today's lists again.
  let position = cursor ? cursor.cluster : first;
  if (position && !listings.includes(position.namespace)) position = first;
  const fetched: { resource: XeroConnectionResource; key: string; page: PageRead }[] = [];
  let kubernetes = kube ? 'connected' : 'not configured';
  let stalled = false;
  // Each list's first page, read ahead of its turn with the request its turn would make; those
  // read ahead when the page fills (fewer than LISTINGS_IN_FLIGHT) are left unused.
  const ahead = new Map<string | null, Promise<ListingRead>>();
  // More than a page past `after` from the cluster, or all of it: only then is it known which
  // connections of the database come before the first the cluster has not shown yet.
  while (kube && position && fetched.length <= limit) {
    const from: ClusterPosition = position;
    const at = listings.indexOf(from.namespace);
    for (const namespace of listings.slice(at + 1, at + LISTINGS_IN_FLIGHT)) {
      if (!ahead.has(namespace))
        ahead.set(namespace, readListing(kube, { namespace, continue: null }, limit + 1));
    }
    const reading =
      (from.continue === null ? ahead.get(from.namespace) : undefined) ??
      readListing(kube, from, limit + 1);
    const { listed, error } = await reading;
    if (!listed) {
      const status = kubeStatusOf(error);
      if (from.continue !== null && status === 410) throw expired();
      if (from.continue !== null && status === 400) throw notACursor();
      const problem = kube.problemOf(error);
      kubernetes = status === undefined ? problem : `unreachable (${problem})`;
      stalled = true;
      break;
    }
    const read: PageRead = { from, keys: listed.items.map((r) => keyOf(r.metadata)) };
    listed.items.forEach((resource, i) => {
      if (isAfter(read.keys[i]!)) fetched.push({ resource, key: read.keys[i]!, page: read });
    });
    position = listed.continue
      ? { namespace: from.namespace, continue: listed.continue }
      : listingAfter(from.namespace);
  }
  const frontier = position && !stalled ? fetched.at(-1)!.key : null;

  const byKey = new Map<string, ListedConnection>();
  for (const record of records)
    if (isAfter(record.key) && (frontier === null || record.key <= frontier))
      byKey.set(record.key, { namespace: record.namespace, name: record.name, record });
  for (const { resource, key } of fetched) {
    const { namespace, name } = resource.metadata;
    byKey.set(key, { namespace, name, ...byKey.get(key), resource });
  }
  const keys = [...byKey.keys()].sort(compare);
  const items = keys.slice(0, limit).map((key) => byKey.get(key)!);
  if (keys.length <= limit) return { items, nextCursor: null, kubernetes };
  const last = keys[limit - 1]!;
  const next = fetched.find((f) => f.key > last);
  const cluster = next && kube ? await resumeAt(kube, next.page, last) : position;
  return { items, nextCursor: encodeCursor({ after: last, cluster }), kubernetes };
}

/** A list's page, or why it could not be read: never rejects, so a read left unused fails quietly. */
type ListingRead =
  { listed: XeroConnectionPage; error?: never } | { listed?: never; error: unknown };

function readListing(
  kube: KubeGateway,
  from: ClusterPosition,
  limit: number,
): Promise<ListingRead> {
  return kube.listConnectionsPage(from.namespace, limit, from.continue ?? undefined).then(
    (listed) => ({ listed }),
    (error: unknown) => ({ error }),
  );
}

/**
 * Where the next page resumes when it ends inside the Kubernetes page read from `from`: asked
 * again for just the items of that page listed now, Kubernetes hands the continue token right
 * after them, so the rest of the walk reads the same snapshot of the cluster, as kubectl's pages
 * do. Should that fail, the next page reads from `from` again, skipping what was listed.
 */
async function resumeAt(kube: KubeGateway, page: PageRead, last: string): Promise<ClusterPosition> {
  const { from } = page;
  const listed = page.keys.filter((key) => key <= last).length;
  if (listed === 0) return from;
  try {
    const again = await kube.listConnectionsPage(
      from.namespace,
      listed,
      from.continue ?? undefined,
    );
    if (again.continue) return { namespace: from.namespace, continue: again.continue };
  } catch {
    // The page itself was read a moment ago; `from` is as good a place to resume.
  }
  return from;
}
