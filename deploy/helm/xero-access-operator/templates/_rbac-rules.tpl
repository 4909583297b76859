{{/* Only what the code calls. XeroConnections: the reconciler sets finalizers and annotations
by merge patch (no ownerReferences, so no xeroconnections/finalizers) and merge-patches status.
Secrets: the reconciler reads credentials, replaces the token Secret (PUT) with the rotated
refresh token, and lists/watches Secrets (metadata only) to pick up a fixed Secret at once; the
admin API reads credentials and creates or replaces the token Secret after a consent. Events:
the reconciler creates events.k8s.io/v1 Events, never core ones, and never patches them. Leases:
the reconciler claims each watched namespace it reconciles in for its release, with the Lease
xero-access-operator-claim there (the name every release contends for: claim/namespace-claims.ts),
so that two releases watching one namespace do not both sync it; it reads and replaces that one
(create cannot be narrowed to a name). */}}
{{- define "xao.rules.reconciler" -}}
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections]
  verbs: [get, list, watch, patch]
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections/status]
  verbs: [patch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, update]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [xero-access-operator-claim]
  verbs: [get, update]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
{{- end -}}

{{- define "xao.rules.admin-api" -}}
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections]
  verbs: [get, list]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create, update]
{{- end -}}

{{/* The reconciler lists every XeroConnection in the cluster before it revokes a deleted one's grant
(spec.revokeGrantOnDelete), so an organisation a connection in a namespace it does not watch
(another release's) monitors too stays connected. Read only, and no Secrets. */}}
{{- define "xao.rules.reconciler-all-connections" -}}
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections]
  verbs: [list]
{{- end -}}
