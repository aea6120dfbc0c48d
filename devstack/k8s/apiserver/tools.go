//go:build tools

// Package tools pins the Kubernetes API server and etcd that tests/contract runs the
// rendered Helm chart against (server-side dry-run; no kubelet, nothing scheduled).
// devstack/k8s/tools.sh builds them with:
//
//	go build -p 1 -o <cache>/bin/kube-apiserver-v1.36.3 k8s.io/kubernetes/cmd/kube-apiserver
//	go build -p 1 -o <cache>/bin/etcd-v3.6.8 go.etcd.io/etcd/server/v3
//
// (`go install k8s.io/kubernetes/cmd/kube-apiserver@v1.36.3` fails: k8s.io/kubernetes
// replaces its staging modules with local paths; go.mod here replaces them with releases.)
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
