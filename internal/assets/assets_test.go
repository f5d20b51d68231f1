package assets

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want, err string
	}{
		{"png", string(pngBytes(t)), PNG, ""},
		{"webp", "RIFF\x24\x00\x00\x00WEBPVP8 ", WebP, ""},
		{"ico", "\x00\x00\x01\x00\x01\x00" + "\x10\x10\x00\x00\x01\x00\x20\x00\x04\x00\x00\x00\x16\x00\x00\x00" + "\x00\x00\x00\x00", ICO, ""},
		{"ico truncated", "\x00\x00\x01\x00\x02\x00\x10\x10", "", "not a PNG"},
		{"ico with no image", "\x00\x00\x01\x00\x00\x00<html>", "", "not a PNG"},
		{"css image-set", `<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:image-set("https://evil.example/a.png" 1x)}</style></svg>`, "", "loads from elsewhere"},
		{"svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><use href="#a"/><path id="a" d="M0 0"/></svg>`, SVG, ""},
		{"empty", "", "", "empty"},
		{"gif", "GIF89a....", "", "not a PNG"},
		{"html", "<html><body>hi</body></html>", "", "root element must be svg"},
		{"two roots", `<svg xmlns="http://www.w3.org/2000/svg"/><svg xmlns="http://www.w3.org/2000/svg"/>`, "", "root element"},
		{"doctype", `<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`, "", "DOCTYPE"},
		{"script", `<svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>x()</SCRIPT></svg>`, "", "script"},
		{"handler", `<svg xmlns="http://www.w3.org/2000/svg"><rect onClick="x()"/></svg>`, "", "onClick"},
		{"js link", `<svg xmlns="http://www.w3.org/2000/svg"><a href=" javascript:x()">x</a></svg>`, "", "javascript:"},
		{"external use", `<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/s.svg#a"/></svg>`, "", "evil.example"},
		{"css url", `<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url( 'https://t.example/x')"/></svg>`, "", "loads from elsewhere"},
		{"css escape", `<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:\75rl(https://t.example/x)}</style></svg>`, "", "CSS"},
		{"stylesheet pi", `<?xml-stylesheet href="https://t.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>`, "", "xml-stylesheet"},
		{"too big", "\x89PNG\r\n\x1a\n" + strings.Repeat("x", MaxSize), "", "larger than 256 KiB"},
	} {
		got, err := Sniff([]byte(tc.body))
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: Sniff = %q, %v; want %q and an error saying %q", tc.name, got, err, tc.want, tc.err)
		}
	}
}

// FuzzSniff: no input panics, and whatever is accepted as SVG is accepted
// again (the check is deterministic) and holds no script element.
func FuzzSniff(f *testing.F) {
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(#g)"/></svg>`))
	f.Add([]byte(`<svg><script>alert(1)</script></svg>`))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("RIFF0000WEBP"))
	f.Fuzz(func(t *testing.T, body []byte) {
		typ, err := Sniff(body)
		if err != nil {
			return
		}
		if typ == SVG {
			if CheckSVG(body) != nil {
				t.Fatalf("accepted SVG refused on a second check: %q", body)
			}
			if bytes.Contains(bytes.ToLower(body), []byte("<script")) {
				t.Fatalf("accepted an SVG with a script element: %q", body)
			}
		}
	})
}

func TestRemote(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		logo := pngBytes(t)
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			switch r.URL.Path {
			case "/logo.png":
				w.Write(logo)
			case "/huge.png":
				w.Write(append(bytes.Clone(logo), make([]byte, MaxSize)...))
			case "/page.html":
				io.WriteString(w, "<html>not an image</html>")
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		db := d.Open(t)
		assets := NewStore(db)
		logger := slog.New(slog.DiscardHandler)
		guarded := NewRemote(db, assets, safehttp.Options{}, true, logger)
		allowed := NewRemote(db, assets, safehttp.Options{AllowLoopback: true}, true, logger)
		ctx := t.Context()

		// The SSRF guard refuses loopback unless the operator allows it; the
		// page then gets "", a monogram.
		_, err := guarded.Fetch(ctx, srv.URL+"/guarded.png")
		var refused *safehttp.RefusedError
		if !errors.As(err, &refused) {
			t.Errorf("guarded fetch of a loopback URL: %v, want a refusal by the guard", err)
		}
		if p := guarded.Path(ctx, srv.URL+"/other.png"); p != "" || hits.Load() != 0 {
			t.Errorf("guarded Path = %q after %d requests, want none and no request", p, hits.Load())
		}

		p := allowed.Path(ctx, srv.URL+"/logo.png")
		a, err := assets.Asset(ctx, strings.TrimSuffix(strings.TrimPrefix(p, "/assets/"), ".png"))
		if err != nil || !bytes.Equal(a.Bytes, logo) || a.ContentType != PNG || a.Path() != p {
			t.Fatalf("Path = %q, stored %+v %v; want the PNG copied", p, a.ContentType, err)
		}
		// Fetched once: the copy is used from then on.
		before := hits.Load()
		if again := allowed.Path(ctx, srv.URL+"/logo.png"); again != p || hits.Load() != before {
			t.Errorf("second Path = %q after %d more requests, want %q and none", again, hits.Load()-before, p)
		}

		for path, why := range map[string]string{"/huge.png": "larger than 256 KiB", "/page.html": "not a PNG", "/missing.png": "404"} {
			if _, err := allowed.Fetch(ctx, srv.URL+path); err == nil || !strings.Contains(err.Error(), why) {
				t.Errorf("fetch %s: %v, want an error saying %q", path, err, why)
			}
			// A failure is remembered: no new request until it may be retried.
			before := hits.Load()
			if p := allowed.Path(ctx, srv.URL+path); p != "" || hits.Load() != before {
				t.Errorf("Path(%s) = %q after %d more requests, want none from memory", path, p, hits.Load()-before)
			}
		}
		if _, err := NewRemote(db, assets, safehttp.Options{AllowLoopback: true}, false, logger).Fetch(ctx, srv.URL+"/logo.png"); err == nil ||
			!strings.Contains(err.Error(), "https") {
			t.Errorf("http fetch without allowHTTP: %v, want it refused", err)
		}
		if p := allowed.Path(ctx, "/assets/"+a.Hash+".png"); p != "/assets/"+a.Hash+".png" {
			t.Errorf("Path of Patchbay's own asset = %q, want it as it is", p)
		}
	})
}

func TestStorePutOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		s := NewStore(db)
		var first, second Asset
		for _, a := range []*Asset{&first, &second} {
			err := db.WithTx(t.Context(), func(tx *store.Tx) error {
				var err error
				*a, err = s.PutUpload(t.Context(), tx, "image/png; charset=binary", pngBytes(t))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if first.Hash != second.Hash || len(first.Hash) != 64 {
			t.Errorf("the same bytes stored as %s and %s", first.Hash, second.Hash)
		}
		var n int
		if err := db.QueryRow(t.Context(), "SELECT count(*) FROM assets").Scan(&n); err != nil || n != 1 {
			t.Errorf("%d assets stored (%v), want 1", n, err)
		}
	})
}

func TestCleanup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(pngBytes(t))
		}))
		t.Cleanup(srv.Close)
		db := d.Open(t)
		ctx := t.Context()
		s := NewStore(db)
		now := time.Now()
		db.NowFunc = func() time.Time { return now }

		put := func(body string) Asset {
			var a Asset
			if err := db.WithTx(ctx, func(tx *store.Tx) error {
				var err error
				a, err = s.Put(ctx, tx, []byte(body))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return a
		}
		unused := put(`<svg xmlns="http://www.w3.org/2000/svg"><title>unused</title></svg>`)
		used := put(`<svg xmlns="http://www.w3.org/2000/svg"><title>used</title></svg>`)
		copied, err := NewRemote(db, s, safehttp.Options{AllowLoopback: true}, true, slog.New(slog.DiscardHandler)).Fetch(ctx, srv.URL+"/a.png")
		if err != nil {
			t.Fatal(err)
		}
		w := &CleanupWorker{DB: db, InUse: []string{"SELECT hash FROM assets WHERE hash = '" + used.Hash + "'"}}
		left := func() map[string]bool {
			hashes := map[string]bool{}
			for _, a := range []Asset{unused, used, copied} {
				if _, err := s.Asset(ctx, a.Hash); err == nil {
					hashes[a.Hash] = true
				}
			}
			return hashes
		}

		if err := w.Work(ctx, nil); err != nil || len(left()) != 3 {
			t.Errorf("cleanup right away: %v, %d assets left, want all 3 (new ones are kept)", err, len(left()))
		}
		now = now.Add(2 * unusedGrace)
		if err := w.Work(ctx, nil); err != nil || !reflect.DeepEqual(left(), map[string]bool{used.Hash: true, copied.Hash: true}) {
			t.Errorf("cleanup after the grace: %v, left %v; want only the unused one gone", err, left())
		}
		now = now.Add(CopyMaxAge)
		if err := w.Work(ctx, nil); err != nil || !reflect.DeepEqual(left(), map[string]bool{used.Hash: true}) {
			t.Errorf("cleanup after CopyMaxAge: %v, left %v; want the old copy gone too", err, left())
		}
	})
}
