package store

import (
	"context"
	"log/slog"
	"strings"
)

// RiverLogger is the logger to give River (its client and its migrator): its
// info lines move down to debug and its debug lines below debug, where only
// an explicit --log-level debug shows them (config.SlogLevel). Its warnings
// and errors, which report failures and which OutageLog watches for
// outages, stay as they are; so do the info lines that say a job failed or
// panicked, which an operator must see.
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

// Enabled answers for the record's own level: whether it moves down depends
// on its message, which Handle sees.
func (h levelDown) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h levelDown) Handle(ctx context.Context, r slog.Record) error {
	if jobFailed(r.Message) {
		return h.next.Handle(ctx, r)
	}
	r.Level = lower(r.Level)
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// jobFailed recognises River's lines for a job that returned an error or
// panicked ("…: Job errored; retrying", "…: Job panicked").
func jobFailed(msg string) bool {
	return strings.Contains(msg, ": Job errored") || strings.Contains(msg, ": Job panicked")
}

func (h levelDown) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelDown{h.next.WithAttrs(attrs)}
}

func (h levelDown) WithGroup(name string) slog.Handler { return levelDown{h.next.WithGroup(name)} }
