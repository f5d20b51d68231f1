package store

import (
	"context"
	"log/slog"
)

// RiverLogger is the logger to give River (its client and its migrator): its
// info lines move down to debug and its debug lines below debug, where only
// an explicit --log-level debug shows them (config.SlogLevel). Its warnings
// and errors, which report failures and which OutageLog watches for
// outages, stay as they are.
func RiverLogger(logger *slog.Logger) *slog.Logger {
	return slog.New(levelDown{logger.Handler()})
}

// levelDown lowers records below warning level by one level.
type levelDown struct{ next slog.Handler }

func lower(level slog.Level) slog.Level {
	if level >= slog.LevelWarn {
		return level
	}
	return level - (slog.LevelInfo - slog.LevelDebug)
}

func (h levelDown) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, lower(level))
}

func (h levelDown) Handle(ctx context.Context, r slog.Record) error {
	r.Level = lower(r.Level)
	return h.next.Handle(ctx, r)
}

func (h levelDown) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelDown{h.next.WithAttrs(attrs)}
}

func (h levelDown) WithGroup(name string) slog.Handler { return levelDown{h.next.WithGroup(name)} }
