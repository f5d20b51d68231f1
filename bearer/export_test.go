package bearer

import "crypto/sha256"

// Waiters returns how many checks are waiting for the introspection of token
// in flight, so that tests can release it once every check has joined.
func (g *Guard) Waiters(token string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c := g.inflight[sha256.Sum256([]byte(token))]; c != nil {
		return c.waiters
	}
	return 0
}
