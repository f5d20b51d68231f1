package connect

import "sync"

// flight runs one call per key at a time in this process: callers that
// arrive while a call for their key runs wait for it and share its result.
// It is the in-process half of "one refresh per connection"; the database
// lease is the half across nodes.
type flight struct {
	mu    sync.Mutex
	calls map[string]*flightCall
}

type flightCall struct {
	done chan struct{}
	val  Credentials
	err  error
}

func (f *flight) do(key string, fn func() (Credentials, error)) (Credentials, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]*flightCall{}
	}
	if c, ok := f.calls[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &flightCall{done: make(chan struct{})}
	f.calls[key] = c
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.val, c.err = fn()
	return c.val, c.err
}
