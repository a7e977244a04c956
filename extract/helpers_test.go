package extract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

const testToken = "tok-SECRET-5f1e2d3c4b5a69788796a5b4c3d2e1f0"

// fixture reads a shared WorkBoard example body (testdata/workboard at the module root).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "workboard", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// body reads a hand-written body of the workboard packages' testdata.
func body(t testing.TB, name string) []byte {
	t.Helper()
	for _, dir := range []string{"../workboard/testdata/bodies", "../workboard/decode/testdata/bodies"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return b
		}
	}
	t.Fatalf("no test body %s", name)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// fixtureSkips lets an export of fixtureOrg through: that org answers "not found" for most of
// its key results and one of its teams, far more than the default share of skips.
var fixtureSkips = WithMaxSkipped(1)

// newTestExporter starts an httptest server with h and returns an exporter whose client
// points at its /wb/apis root. opts are workboard.Option and Option values; retries are quick
// and there is no client-side rate limit unless opts say otherwise.
func newTestExporter(t *testing.T, h http.Handler, opts ...any) *Exporter {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return newExporter(t, srv.URL+"/wb/apis", testToken, append([]any{workboard.WithBackoff(time.Millisecond, 4*time.Millisecond),
		workboard.WithRate(0), workboard.WithMaxRetryAfter(30 * time.Millisecond), workboard.WithRequestTimeout(2 * time.Second)},
		opts...)...)
}

// newExporter returns an exporter of the API at baseURL; opts are workboard.Option and Option
// values.
func newExporter(t testing.TB, baseURL, token string, opts ...any) *Exporter {
	t.Helper()
	wopts := []workboard.Option{workboard.WithBaseURL(baseURL)}
	var eopts []Option
	for _, o := range opts {
		switch o := o.(type) {
		case workboard.Option:
			wopts = append(wopts, o)
		case Option:
			eopts = append(eopts, o)
		default:
			t.Fatalf("option of type %T", o)
		}
	}
	c, err := workboard.New(token, wopts...)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := New(c, eopts...)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// plan is the plan of the given tables.
func plan(t testing.TB, tables ...schemas.TableID) Plan {
	t.Helper()
	p, err := PlanFor(tables...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// collector is an emit func that records every batch and detects concurrent calls.
type collector struct {
	inEmit  atomic.Int32
	overlap atomic.Bool
	mu      sync.Mutex
	all     workboard.Batch
	batches int
}

func (c *collector) emit(_ context.Context, b *workboard.Batch) error {
	if c.inEmit.Add(1) > 1 {
		c.overlap.Store(true)
	}
	defer c.inEmit.Add(-1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches++
	c.all.Append(b)
	return nil
}

func userIDs(us []workboard.User) []int {
	var out []int
	for _, u := range us {
		out = append(out, int(u.UserID))
	}
	sort.Ints(out)
	return out
}
