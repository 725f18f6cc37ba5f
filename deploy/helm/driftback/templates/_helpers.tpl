{{/* The chart's name, overridable. */}}
{{- define "driftback.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name, with the chart's name unless it already contains it. */}}
{{- define "driftback.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "driftback.selectorLabels" -}}
app.kubernetes.io/name: {{ include "driftback.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "driftback.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "driftback.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "driftback.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "driftback.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret rendered by secrets.create (trying out only). */}}
{{- define "driftback.createdSecretName" -}}
{{- printf "%s-secrets" (include "driftback.fullname" .) }}
{{- end }}

{{/* Secret name and key of each credential: the created Secret, or the existing one named in the values. */}}
{{- define "driftback.redisSecretName" -}}
{{- if .Values.secrets.create }}{{ include "driftback.createdSecretName" . }}{{ else }}{{ required "redis.existingSecret is required (the name of a Secret holding REDIS_URL)" .Values.redis.existingSecret }}{{ end }}
{{- end }}
{{- define "driftback.redisSecretKey" -}}
{{- if .Values.secrets.create }}redis-url{{ else }}{{ required "redis.urlKey is required" .Values.redis.urlKey }}{{ end }}
{{- end }}
{{- define "driftback.appSecretName" -}}
{{- if .Values.secrets.create }}{{ include "driftback.createdSecretName" . }}{{ else }}{{ required "app.existingSecret is required (the name of a Secret holding the App's credentials)" .Values.app.existingSecret }}{{ end }}
{{- end }}
{{- define "driftback.appSecretKey" -}}
{{- if .root.Values.secrets.create }}{{ .created }}{{ else }}{{ required (printf "app.keys.%s is required" .key) (get .root.Values.app.keys .key) }}{{ end }}
{{- end }}
{{- define "driftback.cloudSecretName" -}}
{{- if and .Values.secrets.create .Values.secrets.cloud }}{{ printf "%s-cloud" (include "driftback.fullname" .) }}{{ else if not .Values.secrets.create }}{{ .Values.cloudCredentials.existingSecret }}{{ end }}
{{- end }}

{{/* Variables the chart sets itself: env and extraEnv must not carry them (secrets never go into plain values). */}}
{{- define "driftback.reservedEnv" -}}
REDIS_URL APP_ID PRIVATE_KEY PRIVATE_KEY_PATH WEBHOOK_SECRET DRIFTBACK_SCAN_TOKEN DRIFTBACK_STATE_KEY GITHUB_TOKEN TMPDIR DRIFTBACK_PLUGIN_CACHE_DIR PORT HOST NODE_ENV DRIFTBACK_REDIS_PREFIX DRIFTBACK_SHUTDOWN_GRACE_SECONDS DRIFTBACK_ALLOW_UNISOLATED_PLANS DRIFTBACK_TERRAFORM_ISOLATION
{{- end }}

{{/* An emptyDir source from the set fields only ({} when none is). */}}
{{- define "driftback.emptyDir" -}}
{{- $dir := dict }}
{{- range $key, $value := . }}{{ if $value }}{{ $_ := set $dir $key $value }}{{ end }}{{ end }}
{{- toYaml $dir }}
{{- end }}

{{/* A value as an env string: whole numbers without the exponent Helm's float64 values print with (1e+06). */}}
{{- define "driftback.string" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}{{ int64 . }}{{ else }}{{ toString . }}{{ end }}
{{- end }}
