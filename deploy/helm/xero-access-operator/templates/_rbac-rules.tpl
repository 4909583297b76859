{{/* Only what the code calls. Secrets: the reconciler reads credentials, writes the rotated
refresh token, and lists/watches Secrets (metadata only) to pick up a fixed Secret at once; the
admin API reads credentials and writes the token set after a consent. */}}
{{- define "xao.rules.reconciler" -}}
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections]
  verbs: [get, list, watch, update, patch]
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections/status]
  verbs: [get, update, patch]
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, update, patch]
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end -}}

{{- define "xao.rules.admin-api" -}}
- apiGroups: [xeroaccess.dev]
  resources: [xeroconnections]
  verbs: [get, list]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create, update, patch]
{{- end -}}
