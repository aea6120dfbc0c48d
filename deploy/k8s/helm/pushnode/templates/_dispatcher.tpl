{{/* The dispatcher's push credentials, each from a Secret named in secrets.* (or absent).
     Keys are files (mounted read-only) or single values; no key is ever an env literal. */}}
{{- define "pushnode.dispatcherEnv" -}}
{{- with .Values.secrets.fcm }}
- name: DISPATCHER_FCM_SERVICE_ACCOUNT
  value: /var/run/secrets/pushnode/fcm/service-account.json
{{- end }}
{{- with .Values.secrets.apns }}
- name: DISPATCHER_APNS_KEY_FILE
  value: /var/run/secrets/pushnode/apns/AuthKey.p8
{{- range $var, $key := dict "DISPATCHER_APNS_KEY_ID" "key-id" "DISPATCHER_APNS_TEAM_ID" "team-id" "DISPATCHER_APNS_TOPIC" "topic" }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.secrets.apns }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- with .Values.secrets.webpush }}
- name: DISPATCHER_WEBPUSH_VAPID_KEY_FILE
  value: /var/run/secrets/pushnode/webpush/vapid-private.pem
- name: DISPATCHER_WEBPUSH_SUBJECT
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: subject
{{- end }}
{{- with .Values.secrets.pushApps }}
- name: DISPATCHER_APPS_FILE
  value: /var/run/secrets/pushnode/apps/apps.json
{{- end }}
{{- end }}

{{- define "pushnode.dispatcherMounts" -}}
{{- range $volume, $secret := dict "fcm" .Values.secrets.fcm "apns" .Values.secrets.apns "webpush" .Values.secrets.webpush "push-apps" .Values.secrets.pushApps }}
{{- if $secret }}
- name: {{ $volume }}
  mountPath: /var/run/secrets/pushnode/{{ trimPrefix "push-" $volume }}
  readOnly: true
{{- end }}
{{- end }}
{{- end }}

{{- define "pushnode.dispatcherVolumes" -}}
{{- with .Values.secrets.fcm }}
- name: fcm
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- with .Values.secrets.apns }}
- name: apns
  secret:
    secretName: {{ . }}
    defaultMode: 0440
    items:
      - key: AuthKey.p8
        path: AuthKey.p8
{{- end }}
{{- with .Values.secrets.webpush }}
- name: webpush
  secret:
    secretName: {{ . }}
    defaultMode: 0440
    items:
      - key: vapid-private.pem
        path: vapid-private.pem
{{- end }}
{{- with .Values.secrets.pushApps }}
- name: push-apps
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- end }}
