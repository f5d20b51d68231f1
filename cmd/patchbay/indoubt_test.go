package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v82/webhook"
)

// TestCommitAnswerLost drops a PostgreSQL node's connection exactly during
// the COMMIT of a publish (and of an ingest), as a network failure or a
// database crash can. The node used to answer 503 and free the
// Idempotency-Key, and the client's retry published the message a second
// time. Now the node asks the database what became of the transaction: if
// it committed, the request succeeds, once; if not, 503, and the retry
// publishes it once. (SQLite has no connection to lose.)
func TestCommitAnswerLost(t *testing.T) {
	t.Parallel()
	e, proxy := proxiedNode(t)
	opts, n, key := e.opts, e.node, e.key
	direct, err := sql.Open("pgx", opts.DatabaseURL) // not through the proxy
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	count := func(query, marker string) int {
		var n int
		if err := direct.QueryRowContext(t.Context(), query, marker).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	for _, c := range []struct {
		name       string
		afterReply bool          // the server committed before the connection dropped
		down       time.Duration // how long the database then stays away
		firstOK    bool          // the first answer is a success
	}{
		{"CommittedConnectionDropped", true, 0, true},
		{"CommittedDatabaseAwayAWhile", true, 1500 * time.Millisecond, true},
		{"NotCommitted", false, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			marker := "commit-cut-" + c.name
			fired := proxy.CutAtCommit(marker, c.afterReply, c.down)
			idemKey := "key-" + c.name
			body := `{"event_type":"invoice.paid","payload":{"marker":"` + marker + `"}}`
			send := func(ctx context.Context) (*http.Response, error) {
				req, _ := http.NewRequestWithContext(ctx, "POST", n.URL+"/v1/tenants/acme/messages", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Idempotency-Key", idemKey)
				return http.DefaultClient.Do(req)
			}
			var attempts []attempt
			got, ok := retryingClient(t.Context(), 20*time.Second, send, func(a attempt) { attempts = append(attempts, a) })
			select {
			case <-fired:
			default:
				t.Fatalf("the proxy cut no commit; answers %+v", attempts)
			}
			if !ok {
				t.Fatalf("the publish never succeeded: %+v", attempts)
			}
			if first := attempts[0]; (first.status/100 == 2) != c.firstOK || !c.firstOK && first.status != http.StatusServiceUnavailable {
				t.Errorf("first answer %d %s, want success %v (else 503)", first.status, first.body, c.firstOK)
			}
			for _, a := range attempts {
				if a.status == http.StatusConflict {
					t.Errorf("a retry was refused with 409: the key was not freed (%s)", a.body)
				}
			}
			var msg struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(got, &msg); err != nil || msg.ID == "" {
				t.Fatalf("publish answer %s", got)
			}
			if n := count("SELECT count(*) FROM messages WHERE strpos(payload, $1) > 0", marker); n != 1 {
				t.Errorf("%d messages stored for one publish, want 1 (answers %+v)", n, attempts)
			}
			if _, err := e.client.Message(t.Context(), "acme", msg.ID); err != nil {
				t.Errorf("the acknowledged message %s: %v", msg.ID, err)
			}
			// A further retry replays the recorded answer.
			resp, err := send(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var again struct {
				ID string `json:"id"`
			}
			json.Unmarshal(b, &again) //nolint:errcheck // checked below
			if resp.StatusCode/100 != 2 || resp.Header.Get("Idempotent-Replayed") != "true" || again.ID != msg.ID {
				t.Errorf("a retry after the success: %d replayed %q %s, want the same message replayed", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), b)
			}
		})
	}

	// The database stays away longer than the node waits to learn the
	// outcome: 503, and the key stays claimed (409) until its lease runs
	// out, after which the retry runs the request again.
	t.Run("OutcomeUnknown", func(t *testing.T) {
		const marker = "commit-cut-unknown"
		fired := proxy.CutAtCommit(marker, true, 7*time.Second)
		body := `{"event_type":"invoice.paid","payload":{"marker":"` + marker + `"}}`
		var attempts []attempt
		start := time.Now()
		_, ok := retryingClient(t.Context(), 30*time.Second, func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, "POST", n.URL+"/v1/tenants/acme/messages", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Idempotency-Key", "key-unknown")
			return http.DefaultClient.Do(req)
		}, func(a attempt) { attempts = append(attempts, a) })
		select {
		case <-fired:
		default:
			t.Fatalf("the proxy cut no commit; answers %+v", attempts)
		}
		if !ok {
			t.Fatalf("the publish never succeeded: %+v", attempts)
		}
		if first := attempts[0]; first.status != http.StatusServiceUnavailable || first.at.Sub(start) < 4*time.Second {
			t.Errorf("first answer %d after %s, want 503 after the node waited for the outcome", first.status, first.at.Sub(start))
		}
		conflicts := 0
		for _, a := range attempts {
			if a.status == http.StatusConflict {
				conflicts++
			}
		}
		if conflicts == 0 {
			t.Errorf("no retry was refused with 409: the key of a commit in doubt was freed (answers %+v)", attempts)
		}
		if got := strings.Count(n.Logs.String(), "a commit's outcome is unknown"); got != 1 {
			t.Errorf("%d log lines about the unknown outcome, want 1", got)
		}
		t.Logf("%d answers, %d of them 409; %d messages stored", len(attempts), conflicts,
			count("SELECT count(*) FROM messages WHERE strpos(payload, $1) > 0", marker))
	})

	t.Run("IngestCommitted", func(t *testing.T) {
		const secret = "whsec_test_indoubt_4eC39HqLyjWDarjtT1zdp7dc"
		src := e.createSource(t, `{"name":"Stripe","verifier":{"scheme":"stripe","secrets":["`+secret+`"]}}`)
		eventID := "evt_commit_cut_ingest"
		fired := proxy.CutAtCommit(eventID, true, 0)
		event := []byte(`{"id":"` + eventID + `","object":"event","type":"invoice.paid"}`)
		signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now()})
		req, _ := http.NewRequestWithContext(t.Context(), "POST", src.IngestURL, strings.NewReader(string(event)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", signed.Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		select {
		case <-fired:
		default:
			t.Fatalf("the proxy cut no commit; answer %d %s", resp.StatusCode, b)
		}
		if resp.StatusCode != 200 {
			t.Errorf("ingest whose commit's answer was lost: %d %s, want 200 (it committed)", resp.StatusCode, b)
		}
	})
}
