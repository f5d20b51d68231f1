package safehttp

import (
	"bytes"
	"io"
)

const (
	// RecordLimit is how much of a response body Patchbay records with an
	// attempt, and so the usual limit for ReadBody.
	RecordLimit = 64 << 10
	// drainLimit is how much ReadBody reads past its limit and throws away, so
	// that a response a little longer than we keep still leaves its
	// connection reusable. Go's transport closes a connection whose body was
	// not read to the end.
	drainLimit = 256 << 10
)

// ReadBody reads at most limit bytes of r and reports whether there was more.
// It then reads and discards up to a further 256 KiB, so the connection
// behind a response body can go back to the pool; anything longer is left
// for Body.Close, which then closes the connection. The caller still closes
// the body. err is the read error before limit was reached, if any, with the
// bytes read until then; errors while draining are ignored.
func ReadBody(r io.Reader, limit int64) (body []byte, truncated bool, err error) {
	limit = min(max(limit, 0), 1<<40) // keep limit+1 from overflowing
	var buf bytes.Buffer
	_, err = buf.ReadFrom(io.LimitReader(r, limit+1))
	body = buf.Bytes()
	if err != nil {
		return body, false, err
	}
	if int64(len(body)) <= limit {
		return body, false, nil
	}
	_, _ = io.CopyN(io.Discard, r, drainLimit)
	return body[:limit], true, nil
}
