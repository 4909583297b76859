import type { XeroConnection } from '@xero-access/crd';
import { objectKey } from '../kube/object-key.js';
import type { WatchEventType } from './resource-watcher.js';

/** The Secrets a XeroConnection reads, as `namespace/name` (Secrets are in the connection's namespace). */
export function referencedSecrets(connection: XeroConnection): string[] {
  const namespace = connection.metadata?.namespace ?? '';
  const names = [
    connection.spec?.credentialsSecretRef?.name,
    connection.spec?.tokenSecretRef?.name,
  ];
  return [...new Set(names.filter((n): n is string => !!n).map((n) => `${namespace}/${n}`))];
}

/**
 * Index Secret → XeroConnections that reference it, kept from the XeroConnection watch, so a
 * Secret event finds the connections to reconcile without listing them.
 */
export class SecretReferences {
  private readonly secretsOf = new Map<string, string[]>();
  private readonly connectionsOf = new Map<string, Set<string>>();

  /** Applies one XeroConnection watch event. */
  track(type: WatchEventType, connection: XeroConnection): void {
    const key = objectKey(connection);
    for (const secret of this.secretsOf.get(key) ?? []) {
      const users = this.connectionsOf.get(secret);
      users?.delete(key);
      if (users?.size === 0) this.connectionsOf.delete(secret);
    }
    this.secretsOf.delete(key);
    if (type === 'DELETED') return;
    const secrets = referencedSecrets(connection);
    this.secretsOf.set(key, secrets);
    for (const secret of secrets) {
      const users = this.connectionsOf.get(secret) ?? new Set<string>();
      users.add(key);
      this.connectionsOf.set(secret, users);
    }
  }

  /** Keys (`namespace/name`) of the connections that reference this Secret. */
  connectionsUsing(namespace: string, name: string): string[] {
    return [...(this.connectionsOf.get(`${namespace}/${name}`) ?? [])];
  }
}
