package main

import (
	"math/rand"
	"sync"
	"unsafe"

	_ "go.etcd.io/etcd/raft" // the package whose variable is reached below
)

// etcd 3.4's raft draws its randomized election timeouts from one package-level source,
// `globalRand` (raft.go), seeded with the wall clock when the package loads, and offers no
// way to replace it. The linkname below reaches that unexported variable; the struct mirrors
// its type, lockedRand {mu sync.Mutex; rand *rand.Rand}. A node is a process of its own, so
// seeding that one source with the driver's seed makes every draw of the node, and so its
// whole run, a function of the seed and the requests. (Go 1.19 allows the reference; Go 1.23
// restricts linknames into other packages, and etcd 3.5+ changed the type.)
type lockedRand struct {
	mu   sync.Mutex
	rand *rand.Rand
}

// Declared as a plain pointer: a variable of the mirrored type would clash with etcd's in the
// linker's debug information.
//
//go:linkname etcdRand go.etcd.io/etcd/raft.globalRand
var etcdRand unsafe.Pointer

func seedRandom(seed int64) {
	r := (*lockedRand)(etcdRand)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rand = rand.New(rand.NewSource(seed))
}
