import { KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';

/**
 * A reconciler with narrower rights than the chart gives it: a Role in `namespace` with `rules`
 * only, bound to `user`, and a KubeConfig like `kc` that impersonates that user.
 */
export async function impersonateWithRole(
  kc: KubeConfig,
  namespace: string,
  user: string,
  rules: V1PolicyRule[],
): Promise<KubeConfig> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: user }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
  const narrow = new KubeConfig();
  narrow.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users.map((u) => ({ ...u, impersonateUser: user })),
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return narrow;
}
