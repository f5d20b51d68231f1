package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRiverLoggerMovesInfoAndDebugOneLevelDown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		min  slog.Level
		want []string
	}{
		{slog.LevelInfo, []string{"jobexecutor.JobExecutor:", "jobexecutor.JobExecutor:", "warn", "error"}},
		{slog.LevelDebug, []string{"info", "jobexecutor.JobExecutor:", "jobexecutor.JobExecutor:", "warn", "error"}},
		{slog.LevelDebug - 4, []string{"debug", "info", "jobexecutor.JobExecutor:", "jobexecutor.JobExecutor:", "warn", "error"}},
	} {
		var buf bytes.Buffer
		l := RiverLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.min})).With("component", "jobs"))
		l.Debug("debug")
		l.Info("info")
		// River reports a failed job at info: it must stay visible.
		l.Info("jobexecutor.JobExecutor: Job errored; retrying")
		l.Info("jobexecutor.JobExecutor: Job panicked")
		l.Warn("warn")
		l.Error("error")
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			_, msg, _ := strings.Cut(line, "msg=")
			got = append(got, strings.Trim(strings.Fields(msg)[0], `"`))
			if strings.Contains(line, "Job ") && !strings.Contains(line, "level=INFO") {
				t.Errorf("a failed job's line changed level: %s", line)
			}
			if strings.Contains(line, "msg=warn") && !strings.Contains(line, "level=WARN") {
				t.Errorf("a warning changed level: %s", line)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("at level %v River's lines shown: %v, want %v", tc.min, got, tc.want)
		}
	}
}
