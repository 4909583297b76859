/** One version of a Secret, as a watch event or a write response carries it. */
export interface SecretVersion {
  namespace: string;
  name: string;
  resourceVersion: string;
}

/**
 * The Secret versions this process wrote itself (the rotated token set), so the Secret watch can
 * tell its own writes from a person's fix and not answer a write-back with another sync.
 */
export class RecentSecretWrites {
  private readonly versions = new Map<string, string[]>();

  /** `keep`: versions remembered per Secret (a few rotations are enough: events arrive in seconds). */
  constructor(private readonly keep = 8) {}

  record(version: SecretVersion): void {
    if (!version.resourceVersion) return;
    const key = `${version.namespace}/${version.name}`;
    const list = [...(this.versions.get(key) ?? []), version.resourceVersion];
    this.versions.set(key, list.slice(-this.keep));
  }

  isOwn(version: SecretVersion): boolean {
    return (
      this.versions
        .get(`${version.namespace}/${version.name}`)
        ?.includes(version.resourceVersion) ?? false
    );
  }
}
