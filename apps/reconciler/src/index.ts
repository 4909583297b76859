export { startReconciler, type RunningReconciler } from './app/bootstrap.js';
export { loadConfig, type ReconcilerConfig } from './config/config.js';
export {
  signPayload,
  verifySignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  EVENT_HEADER,
  DELIVERY_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
  type SignedDelivery,
  type VerifyOptions,
} from './alerts/webhook-signature.js';
export { WorkQueue } from './queue/work-queue.js';
export { ResourceWatcher } from './watch/resource-watcher.js';
export { LeaseElector } from './leader/lease-elector.js';
