import { EventsV1Api, V1MicroTime, type KubeConfig } from '@kubernetes/client-node';
import {
  XERO_CONNECTION_API_VERSION,
  XERO_CONNECTION_KIND,
  abortOptions,
  type XeroConnection,
} from '@xero-access/crd';
import { describeKubeError } from '../kube/http-status.js';
import type { Logger } from '../logging/logger.js';
import { truncateUtf8 } from '@xero-access/model';

export type EventType = 'Normal' | 'Warning';

export const REPORTING_CONTROLLER = 'xeroaccess.dev/reconciler';

/** The longest object name Kubernetes accepts (a DNS subdomain), an Event's included. */
const MAX_NAME = 253;

/** The longest note the API server accepts: 1024 bytes (of UTF-8), not characters. */
export const MAX_NOTE_BYTES = 1024;

/**
 * client-go's naming, <object>.<time in hex>, unique enough per object; the object's part is cut
 * so that a XeroConnection with a name of the longest allowed length still gets its Events.
 */
export function eventName(objectName: string, now: Date, random = Math.random()): string {
  const suffix = (now.getTime() * 1000 + Math.floor(random * 1000)).toString(16);
  const prefix = objectName.slice(0, MAX_NAME - suffix.length - 1).replace(/[.-]+$/, '');
  return `${prefix}.${suffix}`;
}

/**
 * Kubernetes Events (events.k8s.io/v1) about a XeroConnection, shown by `kubectl describe` and
 * `kubectl events`. Best effort: a failed event never fails a reconcile.
 */
export class EventRecorder {
  private readonly api: EventsV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {
    this.api = kubeConfig.makeApiClient(EventsV1Api);
  }

  async record(
    connection: XeroConnection,
    type: EventType,
    reason: string,
    action: string,
    note: string,
    /** Aborts the request (a replica that stopped leading, a reconcile out of time). */
    signal?: AbortSignal,
  ): Promise<void> {
    const { namespace, name, uid, resourceVersion } = connection.metadata!;
    const now = new Date();
    try {
      await this.api.createNamespacedEvent(
        {
          namespace: namespace!,
          body: {
            metadata: { name: eventName(name!, now), namespace },
            eventTime: new V1MicroTime(now.getTime()),
            reportingController: REPORTING_CONTROLLER,
            reportingInstance: this.instance,
            action,
            reason,
            type,
            note: truncateUtf8(note, MAX_NOTE_BYTES),
            regarding: {
              apiVersion: XERO_CONNECTION_API_VERSION,
              kind: XERO_CONNECTION_KIND,
              namespace,
              name,
              uid,
              resourceVersion,
            },
          },
        },
        signal && abortOptions(signal),
      );
    } catch (error) {
      this.logger.warn(
        { connection: `${namespace}/${name}`, reason, error: describeKubeError(error) },
        'could not record event',
      );
    }
  }
}
