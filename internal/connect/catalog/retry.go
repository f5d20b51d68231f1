package catalog

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/retry"
)

// retryHorizon bounds what a header can ask for, so a garbled or hostile
// value cannot park a connection for years.
const retryHorizon = 7 * 24 * time.Hour

// Time returns when requests may resume according to a header value in
// format f, received at now. A time in the past is returned as is: the caller
// may go ahead.
func (f RetryFormat) Time(value string, now time.Time) (time.Time, error) {
	value = strings.TrimSpace(value)
	var t time.Time
	switch f {
	case RetrySeconds:
		d, err := retry.Seconds(value)
		if err != nil || d > retryHorizon {
			return time.Time{}, errors.New("not a number of seconds within a week")
		}
		return now.Add(d), nil
	case RetryEpochSeconds, RetryEpochMillis:
		n, err := strconv.ParseFloat(value, 64)
		if f == RetryEpochMillis {
			n /= 1000
		}
		// 1e11 seconds is the year 5138: beyond it, int64 nanoseconds overflow.
		if err != nil || math.IsNaN(n) || n < 0 || n > 1e11 {
			return time.Time{}, errors.New("not a Unix time")
		}
		whole, frac := math.Modf(n)
		t = time.Unix(int64(whole), int64(frac*1e9))
	case RetryHTTPDate:
		var err error
		if t, err = retry.HTTPDate(value); err != nil {
			return time.Time{}, err
		}
	default:
		return time.Time{}, errors.New("unknown retry header format " + strconv.Quote(string(f)))
	}
	if t.Sub(now) > retryHorizon {
		return time.Time{}, errors.New("more than a week away")
	}
	return t, nil
}
