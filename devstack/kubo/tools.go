//go:build tools

// Package tools pins the kubo (IPFS) daemon used by the dev stack.
// devstack/bin/stack builds it with:
//
//	GOTOOLCHAIN=go1.24.6 go build -o <cache>/bin/ipfs-v0.36.0 github.com/ipfs/kubo/cmd/ipfs
//
// (`go install ...@v0.36.0` is not used: it needs the proxy's version list,
// and Go >= 1.25 fails to compile a kubo dependency, cockroachdb/swiss.)
package tools

import _ "github.com/ipfs/kubo/cmd/ipfs"
