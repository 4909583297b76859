import {
  decodeTextCursor,
  encodeCursor,
  pageSize,
  toPage,
  type ConnectionRef,
  type Page,
  type PageRequest,
} from '@xero-access/model';

const SCOPE = 'connections';

/**
 * Namespace, then name, by code unit. The keys come from both the database and the cluster, so
 * the order is decided here, where it is the same for both whatever the database's collation.
 */
function compare(a: ConnectionRef, b: ConnectionRef): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** One keyset page of connections (unique by namespace/name, in any order), by namespace then name. */
export function connectionPage<C extends ConnectionRef>(
  connections: C[],
  page: PageRequest,
): Page<C> {
  const limit = pageSize(page.limit);
  const cursor = page.cursor ? decodeTextCursor(page.cursor, SCOPE) : null;
  const after = cursor ? { namespace: cursor.value, name: cursor.id } : null;
  const rows = (after ? connections.filter((c) => compare(c, after) > 0) : [...connections])
    .sort(compare)
    .slice(0, limit + 1);
  return toPage(
    rows,
    limit,
    (c) => c,
    (c) => encodeCursor(SCOPE, c.namespace, c.name),
  );
}
