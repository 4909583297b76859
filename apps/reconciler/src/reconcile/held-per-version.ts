import type { XeroConnection } from '@xero-access/crd';

interface Held<T> {
  uid: string | undefined;
  generation: number | undefined;
  value: T;
}

/**
 * Something a reconcile keeps in memory for the next one, by connection key, for the object
 * version it saw (uid and generation: a new spec, or a new object of the same name, starts
 * afresh). The reconciler drops it when the object goes and when it stops leading.
 */
export class HeldPerVersion<T> {
  private readonly held = new Map<string, Held<T>>();

  hold(key: string, connection: XeroConnection, value: T): void {
    const { uid, generation } = connection.metadata ?? {};
    this.held.set(key, { uid, generation, value });
  }

  /** What is held for this version of the connection; what was held for another is dropped. */
  for(key: string, connection: XeroConnection): T | undefined {
    const held = this.held.get(key);
    if (!held) return undefined;
    const { uid, generation } = connection.metadata ?? {};
    if (held.uid === uid && held.generation === generation) return held.value;
    this.held.delete(key);
    return undefined;
  }

  forget(key: string): void {
    this.held.delete(key);
  }

  clear(): void {
    this.held.clear();
  }
}
