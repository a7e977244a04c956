package wbtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
)

// OddKind names an answer a healthy WorkBoard does not give for a request it can serve: a
// proxy's page, a listing page that is short or malformed, an error body that echoes the
// caller's credentials. These are test-only behaviours (the hostile proxy of issue #19), not
// known WorkBoard contracts. Unlike faults, they hit every matching request, retries included.
type OddKind string

// The odd answers.
const (
	OddHTML404       OddKind = "html-404"       // 404 with an HTML page (text/html), as a proxy sends
	OddDeletedMetric OddKind = "deleted-metric" // 500 {success:false, message:"deleted_metric", data:{…}}
	OddError         OddKind = "error"          // WorkBoard's error body with OddAnswer.Code and Status (default 400)
	OddMissingKey    OddKind = "missing-key"    // the answer with its resource key removed from data (totalCount kept)
	OddNullKey       OddKind = "null-key"       // the answer with its resource key null
	OddEmptyData     OddKind = "empty-data"     // the answer with "data": []
	OddShortTotal    OddKind = "short-total"    // the answer with totalCount = the items on the page
	OddEchoToken     OddKind = "echo-token"     // 400 invalid_request whose error_description echoes the Authorization header
	OddEchoToken200  OddKind = "echo-token-200" // 200 success:false whose message echoes the Authorization header
	OddHugeField     OddKind = "huge-field"     // the first item's longest string field padded to OddAnswer.Size bytes
	OddSharedCheckin OddKind = "shared-checkin" // every key result's first check-in gets metric_data_id 1 (one slot under many goals)
)

// OddAnswer makes the requests it matches get an odd answer.
type OddAnswer struct {
	Kind OddKind
	// Path is the request path below APIPrefix it applies to: "/metric" matches that path
	// only, "/team/" every path under it; "" matches every API request.
	Path string
	// Query, when set, must occur in the request's raw query (e.g. "goal_id=").
	Query string
	// FromOffset limits paged requests to offsets >= FromOffset (0: every page).
	FromOffset int
	// Size is OddHugeField's string length (default 1 MiB).
	Size int
	// Code and Status are OddError's error code (e.g. "invalid_goal_id") and HTTP status.
	Code   string
	Status int
}

// WithOddAnswers makes the server give odd answers (see OddKind) to the requests they match;
// the first match applies.
func WithOddAnswers(a ...OddAnswer) Option {
	return func(c *config) { c.odd = append(c.odd, a...) }
}

func (a OddAnswer) matches(r *http.Request) bool {
	p, api := strings.CutPrefix(r.URL.Path, APIPrefix)
	if !api || a.Path != "" && p != a.Path && !(strings.HasSuffix(a.Path, "/") && strings.HasPrefix(p, a.Path)) ||
		!strings.Contains(r.URL.RawQuery, a.Query) {
		return false
	}
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	return off >= a.FromOffset
}

// serve answers an API request, oddly when an OddAnswer matches it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	i := slices.IndexFunc(s.cfg.odd, func(a OddAnswer) bool { return a.matches(r) })
	if i < 0 {
		s.mux.ServeHTTP(w, r)
		return
	}
	a := s.cfg.odd[i]
	switch a.Kind {
	case OddHTML404:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"))
		return
	case OddDeletedMetric:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"success":false,"message":"deleted_metric","data":{"errorCode":500,"message":"deleted_metric"}}`))
		return
	case OddError:
		writeError(w, cmp.Or(a.Status, http.StatusBadRequest), a.Code, "Emulated error "+a.Code+".")
		return
	case OddEchoToken:
		writeError(w, http.StatusBadRequest, "invalid_request", "Request with Authorization: "+r.Header.Get("Authorization")+" is not allowed here.")
		return
	case OddEchoToken200:
		b, _ := json.Marshal(map[string]any{"success": false, "message": "Rejected request with Authorization: " + r.Header.Get("Authorization")})
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return
	}
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		body = a.rewrite(body)
	}
	w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// rewrite changes a successful answer's body as the kind says; a body it cannot read is
// returned as it is.
func (a OddAnswer) rewrite(body []byte) []byte {
	var doc map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&doc) != nil {
		return body
	}
	data, _ := doc["data"].(map[string]any)
	key := resourceKey(data)
	if data == nil || key == "" {
		return body
	}
	items, _ := data[key].([]any)
	switch a.Kind {
	case OddMissingKey:
		delete(data, key)
	case OddNullKey:
		data[key] = nil
	case OddEmptyData:
		doc["data"] = []any{}
	case OddShortTotal:
		data["totalCount"] = len(items)
	case OddHugeField:
		padLongestString(items, max(a.Size, 1<<20))
	case OddSharedCheckin:
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				if cs, ok := m["metric_data"].([]any); ok && len(cs) > 0 {
					if c, ok := cs[0].(map[string]any); ok {
						c["metric_data_id"] = "1"
					}
				}
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// resourceKey is the key of data other than totalCount ("" when there is none).
func resourceKey(data map[string]any) string {
	for k := range data {
		if k != "totalCount" {
			return k
		}
	}
	return ""
}

// padLongestString pads the longest string field of the first item (the first in key order
// among equals: a name or an e-mail, not a numeric string) to n bytes.
func padLongestString(items []any, n int) {
	if len(items) == 0 {
		return
	}
	m, ok := items[0].(map[string]any)
	if !ok {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	best := ""
	for _, k := range keys {
		if s, ok := m[k].(string); ok && (best == "" || len(s) > len(m[best].(string))) {
			best = k
		}
	}
	if best != "" {
		s := m[best].(string)
		m[best] = s + strings.Repeat("x", max(n-len(s), 0))
	}
}
