{{- define "xao.name" -}}xero-access-operator{{- end -}}

{{- define "xao.fullname" -}}
{{- if contains "xero-access" .Release.Name -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- else -}}{{ printf "%s-xero-access" .Release.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{/* The prefix of cluster-scoped objects' names (ClusterRoles, ClusterRoleBindings): the fullname
after the release namespace, so releases of one name in two namespaces do not take each other's.
Not truncated further: the namespace (at most 63) is what tells them apart, and such names may be
up to 253 characters; they are never a label value. */}}
{{- define "xao.clusterFullname" -}}{{ .Release.Namespace }}-{{ include "xao.fullname" . }}{{- end -}}

{{- define "xao.labels" -}}
app.kubernetes.io/name: {{ include "xao.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The chart's labels plus a user's `extra` (e.g. the ones a Prometheus selects its objects by);
`field` names the value in the error when one would replace the chart's own. */}}
{{- define "xao.labelsWith" -}}
{{- $own := include "xao.labels" .root | fromYaml -}}
{{- range $key, $_ := .extra -}}
{{- if hasKey $own $key -}}
{{- fail (printf "%s: %q is a label the chart sets itself" $.field $key) -}}
{{- end -}}
{{- end -}}
{{- include "xao.labels" .root -}}
{{- with .extra }}
{{ toYaml . }}
{{- end -}}
{{- end -}}

{{- define "xao.selector" -}}
app.kubernetes.io/name: {{ include "xao.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The app image of every container the chart runs (both apps, the migration Job, the helm test
pod): by image.digest when set (repository@sha256:…, the tag is then ignored), else by tag. */}}
{{- define "xao.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* Environment shared by both apps: database, Redis, Xero endpoints, watched namespaces. */}}
{{- define "xao.commonEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret is required: name a Secret holding the PostgreSQL URL; the reconciler and the admin API run in separate pods and must share one database (SQLite is only for local runs)" .Values.database.existingSecret }}
      key: {{ .Values.database.urlKey }}
- name: DATABASE_POOL_MAX
  value: {{ .Values.database.poolMax | quote }}
{{ include "xao.migrationEnv" . }}
- name: REDIS_URL
{{- if .Values.redis.existingSecret }}
  valueFrom:
    secretKeyRef: { name: {{ .Values.redis.existingSecret }}, key: {{ .Values.redis.urlKey }} }
{{- else }}
  value: {{ required "redis.url or redis.existingSecret is required: every replica of both apps shares the Xero rate limits and the token refresh lock through Redis" .Values.redis.url | quote }}
{{- end }}
- name: XERO_IDENTITY_URL
  value: {{ .Values.xero.identityUrl | quote }}
- name: XERO_LOGIN_URL
  value: {{ .Values.xero.loginUrl | quote }}
- name: XERO_API_URL
  value: {{ .Values.xero.apiUrl | quote }}
{{- with .Values.xero.extraLimits }}
{{- $ids := dict }}
{{- range . }}
{{- if hasKey $ids .id }}
{{- fail (printf "xero.extraLimits: the id %q appears twice: each cap counts under its own id" .id) }}
{{- end }}
{{- $_ := set $ids .id true }}
{{- end }}
- name: XERO_EXTRA_LIMITS
  value: {{ toJson . | quote }}
{{- end }}
- name: WATCH_NAMESPACES
  value: {{ join "," .Values.watchNamespaces | quote }}
- name: POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: POD_NAMESPACE
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
{{- end -}}

{{/* REDIS_KEY_PREFIX from redis.keyPrefix, as the app `.app` joins it; nothing when unset (each
app's default, one prefix: the reconciler's `xao`, the admin API's `xao:`). The reconciler puts
`:` after the prefix itself (`<prefix>:refresh:…`), the admin API appends its key names as they
are (`<prefix>api-rl:…`), so it gets the `:`; the keys both share (re-evaluation requests, the
Xero limiter) ignore a trailing `:`. */}}
{{- define "xao.redisKeyPrefixEnv" -}}
{{- with .root.Values.redis.keyPrefix -}}
- name: REDIS_KEY_PREFIX
  value: {{ printf "%s%s" . (eq $.app "admin-api" | ternary ":" "") | quote }}
{{- end -}}
{{- end -}}

{{- define "xao.migrationJob" -}}{{ include "xao.fullname" . }}-migrate{{- end -}}

{{/* Whether the apps migrate as they start: not when the migration Job does (database.migrations.mode). */}}
{{- define "xao.migrationEnv" -}}
{{- if eq .Values.database.migrations.mode "job" -}}
- name: DATABASE_MIGRATE
  value: "false"
# Named in the error an app stops with when the schema lacks its migrations.
- name: DATABASE_MIGRATION_JOB
  value: {{ include "xao.migrationJob" . }}
{{- else -}}
{{- if .Values.database.migrations.existingSecret -}}
{{- fail "database.migrations.existingSecret is used only with database.migrations.mode=job: with onStart the apps migrate with database.existingSecret's URL" -}}
{{- end -}}
# An advisory lock serialises the apps, so a fresh install or an upgrade works whichever starts
# first, and with the reconciler scaled to zero.
- name: DATABASE_MIGRATE
  value: "true"
{{- end -}}
{{- end -}}

{{/* Where both apps find database.tls.ca: DATABASE_URL's sslrootcert names this file. */}}
{{- define "xao.databaseCaFile" -}}/etc/xero-access/database-ca/ca.crt{{- end -}}

{{/* database.tls.ca as a volume holding only ca.crt, whatever the key; empty when unset. */}}
{{- define "xao.databaseCaVolume" -}}
{{- $ca := .Values.database.tls.ca -}}
{{- if and $ca.existingSecret $ca.configMapName -}}
{{- fail "database.tls.ca: set existingSecret or configMapName, not both: the CA file is mounted from one of them" -}}
{{- end -}}
{{- if $ca.existingSecret -}}
- name: database-ca
  secret: { secretName: {{ $ca.existingSecret }}, items: [{ key: {{ $ca.key | quote }}, path: ca.crt }] }
{{- else if $ca.configMapName -}}
- name: database-ca
  configMap: { name: {{ $ca.configMapName }}, items: [{ key: {{ $ca.key | quote }}, path: ca.crt }] }
{{- end -}}
{{- end -}}

{{/* Mounts database.tls.ca read-only at xao.databaseCaFile; empty when unset. */}}
{{- define "xao.databaseCaMount" -}}
{{- if include "xao.databaseCaVolume" . -}}
- { name: database-ca, mountPath: {{ include "xao.databaseCaFile" . | dir }}, readOnly: true }
{{- end -}}
{{- end -}}

{{- define "xao.podSecurity" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* topologySpreadConstraints for one app's pods (`component`); a constraint without
labelSelector gets this release's pods of that app. Nothing when the value is empty. */}}
{{- define "xao.topologySpread" -}}
{{- $constraints := list -}}
{{- range .root.Values.topologySpreadConstraints -}}
{{- $constraint := deepCopy . -}}
{{- if not (hasKey $constraint "labelSelector") -}}
{{- $_ := set $constraint "labelSelector" (dict "matchLabels" (include "xao.selector" $ | fromYaml)) -}}
{{- end -}}
{{- $constraints = append $constraints $constraint -}}
{{- end -}}
{{- with $constraints }}
topologySpreadConstraints: {{ toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* OIDC group → role map in the admin API's `group=role,group=role` form. */}}
{{- define "xao.groupRoles" -}}
{{- $pairs := list -}}
{{- range $group, $role := .Values.adminApi.oidc.groupRoles -}}{{- $pairs = append $pairs (printf "%s=%s" $group $role) -}}{{- end -}}
{{- join "," $pairs -}}
{{- end -}}
