import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import {
  XERO_CONNECTION_GROUP,
  XERO_CONNECTION_PLURAL,
  XERO_CONNECTION_VERSION,
  abortOptions,
  listXeroConnectionsPage,
  type XeroConnection,
  type XeroConnectionStatus,
} from '@xero-access/crd';
import { isConflict, isNotFound } from './http-status.js';

const coordinates = {
  group: XERO_CONNECTION_GROUP,
  version: XERO_CONNECTION_VERSION,
  plural: XERO_CONNECTION_PLURAL,
};
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Tries at removing a finalizer while the object keeps changing under it (409). */
const FINALIZER_REMOVAL_ATTEMPTS = 5;

/** Status fields to set; a field set to null is removed (JSON merge patch), one left out is kept. */
export type StatusPatch = { [K in keyof XeroConnectionStatus]?: XeroConnectionStatus[K] | null };

/** The XeroConnection calls the reconciler makes. */
export class XeroConnectionApi {
  private readonly api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** The object as stored now, or null when it is gone. `signal` aborts the request. */
  async get(namespace: string, name: string, signal?: AbortSignal): Promise<XeroConnection | null> {
    try {
      return (await this.api.getNamespacedCustomObject(
        { ...coordinates, namespace, name },
        signal && abortOptions(signal),
      )) as XeroConnection;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * Every XeroConnection in the namespace, or in all namespaces when it is absent (paged). `signal`
   * aborts the requests.
   */
  async list(namespace?: string, signal?: AbortSignal): Promise<XeroConnection[]> {
    const items: XeroConnection[] = [];
    let continueToken: string | undefined;
    do {
      const page = await listXeroConnectionsPage(
        this.api,
        namespace,
        continueToken,
        500,
        signal && abortOptions(signal),
      );
      items.push(...page.items);
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  /**
   * Patches status through the status subresource (merge patch: only status is sent). `signal`
   * aborts the request: a replica that stops leading must not have its patch land later.
   */
  async patchStatus(
    namespace: string,
    name: string,
    status: StatusPatch,
    signal?: AbortSignal,
  ): Promise<XeroConnection> {
    return (await this.api.patchNamespacedCustomObjectStatus(
      { ...coordinates, namespace, name, body: { status } },
      signal ? abortOptions(signal, mergePatch) : mergePatch,
    )) as XeroConnection;
  }

  /**
   * Sets metadata.finalizers. The patch carries the resourceVersion we decided on, so the API
   * server refuses it (409) if the object changed meanwhile: no finalizer is lost or re-added
   * behind someone's back. `signal` aborts the request.
   */
  async setFinalizers(
    connection: XeroConnection,
    finalizers: string[],
    signal?: AbortSignal,
  ): Promise<XeroConnection> {
    const { namespace, name, resourceVersion } = connection.metadata!;
    return (await this.api.patchNamespacedCustomObject(
      {
        ...coordinates,
        namespace: namespace!,
        name: name!,
        body: { metadata: { finalizers, resourceVersion } },
      },
      signal ? abortOptions(signal, mergePatch) : mergePatch,
    )) as XeroConnection;
  }

  /**
   * Removes `finalizer`, keeping the others, once a deletion's steps are done. A 409 (its metadata
   * changed since it was read: an annotation, the garbage collector dropping `foregroundDeletion`)
   * reads the object again and removes the finalizer from that, a few times at most: the steps
   * are not run again for it (a grant revoked twice would report a second, misleading outcome).
   * Done once the object is gone or no longer carries the finalizer; an object created again
   * under the name (another uid) is left alone. `signal` aborts the requests.
   */
  async removeFinalizer(
    connection: XeroConnection,
    finalizer: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const { namespace, name, uid } = connection.metadata!;
    let current = connection;
    for (let attempt = 1; ; attempt++) {
      const finalizers = current.metadata?.finalizers ?? [];
      if (current.metadata?.uid !== uid || !finalizers.includes(finalizer)) return;
      try {
        await this.setFinalizers(
          current,
          finalizers.filter((f) => f !== finalizer),
          signal,
        );
        return;
      } catch (error) {
        if (isNotFound(error)) return;
        if (!isConflict(error) || attempt >= FINALIZER_REMOVAL_ATTEMPTS) throw error;
      }
      const read = await this.get(namespace!, name!, signal);
      if (!read) return;
      current = read;
    }
  }

  /**
   * Sets an annotation (merge patch), e.g. the sync request a re-evaluation turns into. `signal`
   * aborts the request.
   */
  async annotate(
    namespace: string,
    name: string,
    key: string,
    value: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      { ...coordinates, namespace, name, body: { metadata: { annotations: { [key]: value } } } },
      signal ? abortOptions(signal, mergePatch) : mergePatch,
    );
  }
}
