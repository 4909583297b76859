import type { XeroConnection } from '@xero-access/crd';
import type { WatchEventType } from './resource-watcher.js';

const SIGNIFICANT_METADATA = [
  'generation',
  'deletionTimestamp',
  'finalizers',
  'annotations',
] as const;

/**
 * Whether a watch event needs a reconcile: everything but a change of status alone (which is
 * mostly our own write: reconciling it again would only find nothing to do), as
 * controller-runtime's GenerationChanged + Annotation predicates.
 */
export function needsReconcile(
  type: WatchEventType,
  object: XeroConnection,
  previous?: XeroConnection,
): boolean {
  if (type !== 'MODIFIED' || !previous) return true;
  const now = object.metadata ?? {};
  const before = previous.metadata ?? {};
  return SIGNIFICANT_METADATA.some(
    (field) => JSON.stringify(now[field]) !== JSON.stringify(before[field]),
  );
}
