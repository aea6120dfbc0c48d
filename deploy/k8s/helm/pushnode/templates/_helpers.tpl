{{/* Labels every resource carries; `name` is the component (a service, kubo, ...). */}}
{{- define "pushnode.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: pushnode
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version | replace "+" "_" }}
{{- end }}

{{/* Pod labels: what selectors, policies and monitors match on. */}}
{{- define "pushnode.podLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: pushnode
{{- end }}

{{/* The five services' names, for selectors that name them all. */}}
{{- define "pushnode.serviceNames" -}}
[{{ keys .Values.services | sortAlpha | join ", " }}]
{{- end }}

{{/* The services' image: a pinned tag or a digest, never `latest`. */}}
{{- define "pushnode.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{- if or (not .Values.image.tag) (eq (toString .Values.image.tag) "latest") -}}
{{- fail "image.tag: pin a release tag (or set image.digest); `latest` is refused" -}}
{{- end -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end }}

{{/* A container that cannot write its root, escalate, or keep a capability. */}}
{{- define "pushnode.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  privileged: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: ["ALL"]
{{- end }}

{{/* DATABASE_URL (context: dict "name" service "root" $): from Secret secrets.database, or
     built from a CloudNativePG Secret: the owner's <cluster>-app, or with rolePerService the
     service's own pushnode-db-<service>. PUSHNODE_DB_PASSWORD comes first: $(VAR) expands only
     variables defined before it. */}}
{{- define "pushnode.databaseEnv" -}}
{{- $c := .root.Values.cloudnativePG }}
{{- if $c.enabled }}
{{- $role := ternary .name "pushnode" $c.rolePerService }}
- name: PUSHNODE_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ ternary (printf "pushnode-db-%s" .name) (printf "%s-app" $c.name) $c.rolePerService }}
      key: password
- name: DATABASE_URL
  value: postgresql+asyncpg://{{ $role }}:$(PUSHNODE_DB_PASSWORD)@{{ $c.name }}-rw:5432/pushnode
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.database: the Secret holding DATABASE_URL (key url)" .root.Values.secrets.database }}
      key: url
{{- end }}
{{- end }}

{{/* One topologySpreadConstraint per key: pods of one component spread over zones and nodes. */}}
{{- define "pushnode.topologySpread" -}}
topologySpreadConstraints:
{{- range .root.Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $.root.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        app.kubernetes.io/name: {{ $.name }}
    # Only pods of the same rollout count: the old ReplicaSet's pods are leaving anyway.
    matchLabelKeys: [pod-template-hash]
{{- end }}
{{- end }}

{{/* The Kafka bootstrap address: Strimzi's bootstrap Service, or kafka.bootstrap. */}}
{{- define "pushnode.kafkaBootstrap" -}}
{{- if .Values.strimzi.enabled -}}
{{ .Values.strimzi.clusterName }}-kafka-bootstrap:9092
{{- else -}}
{{ required "kafka.bootstrap: your brokers (strimzi.enabled is false)" .Values.kafka.bootstrap }}
{{- end -}}
{{- end }}

{{/* GATEWAY_STATUS_URLS: every service but the gateway at its Service. */}}
{{- define "pushnode.statusUrls" -}}
{{- $urls := dict -}}
{{- range $name, $svc := .Values.services -}}
{{- if ne $name "gateway" -}}
{{- $_ := set $urls $name (printf "http://%s:%v" $name $svc.port) -}}
{{- end -}}
{{- end -}}
{{ toJson $urls }}
{{- end }}

{{/* PUSHNODE_PEERS: [{"url": ..., "address": ...}], each entry checked for both keys. */}}
{{- define "pushnode.peers" -}}
{{- $peers := list -}}
{{- range $i, $p := .Values.peers -}}
{{- $url := required (printf "peers[%d].url" $i) $p.url -}}
{{- $address := required (printf "peers[%d].address" $i) $p.address -}}
{{- $peers = append $peers (dict "url" $url "address" $address) -}}
{{- end -}}
{{ toJson $peers }}
{{- end }}
