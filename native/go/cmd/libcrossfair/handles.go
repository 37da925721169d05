package main

// Pool handles: int32 > 0 in a mutex-guarded map, so C never holds a Go
// pointer. A handle is removed when cf_pool_close returns 0.

import (
	"math"
	"sync"

	"crossfair/native/go/pool"
)

var (
	handlesMu  sync.Mutex
	handles          = map[int32]*pool.Pool{}
	nextHandle int32 = 1
)

// addPool stores p and returns its new handle.
func addPool(p *pool.Pool) int32 {
	handlesMu.Lock()
	defer handlesMu.Unlock()
	for {
		h := nextHandle
		nextHandle++
		if nextHandle == math.MaxInt32 {
			nextHandle = 1 // wrap; skip handles still in use below
		}
		if _, used := handles[h]; !used {
			handles[h] = p
			return h
		}
	}
}

func getPool(h int32) (*pool.Pool, error) {
	handlesMu.Lock()
	p := handles[h]
	handlesMu.Unlock()
	if p == nil {
		return nil, pool.ErrBadHandle
	}
	return p, nil
}

// dropPool removes h if it still refers to p.
func dropPool(h int32, p *pool.Pool) {
	handlesMu.Lock()
	if handles[h] == p {
		delete(handles, h)
	}
	handlesMu.Unlock()
}
