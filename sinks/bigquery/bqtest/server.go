// Package bqtest is an in-process server speaking the BigQuery v2 REST wire protocol, for tests
// that drive the real cloud.google.com/go/bigquery client (in the spirit of net/http/httptest).
//
// It serves, as the client library calls them:
//   - datasets get/insert/patch/update and tables get/insert/patch/update/delete with etags
//     (If-Match; a stale etag is 412 conditionNotMet), under both the "/projects/..." and the
//     "/bigquery/v2/projects/..." prefixes;
//   - jobs.insert for load jobs with media, both the multipart upload and the resumable upload
//     (session URI in Location, chunked POST/PUT with Content-Range, "X-Http-Status-Code-Override:
//     308" for an incomplete chunk when the client sends "X-GUploader-No-308: yes"), and load jobs
//     from gs:// URIs of objects uploaded to the built-in GCS JSON API subset (multipart and
//     resumable object uploads, object get and delete; see StorageClient);
//   - jobs.insert with an existing job id: 409 duplicate; jobs.get polling PENDING → RUNNING → DONE;
//   - dry-run query jobs (validated only: "SELECT 1" and "SELECT ... FROM dataset.table");
//   - tabledata.list with paging (maxResults/pageToken), encoding cells exactly as BigQuery does
//     (strings for scalars, µs epoch or float seconds for TIMESTAMP per
//     formatOptions.useInt64Timestamp, [{"v":...}] for REPEATED, JSON null for NULL).
//
// Storage is per table and per partition (DAY partitioning on a DATE column). Loads honour
// WRITE_TRUNCATE / WRITE_APPEND / WRITE_EMPTY for a partition decorator (table$YYYYMMDD) or for
// the whole table, CREATE_IF_NEEDED / CREATE_NEVER, and ALLOW_FIELD_ADDITION /
// ALLOW_FIELD_RELAXATION. Uploaded Parquet is decoded with pqarrow and checked against the
// load's schema (or the table's): a missing REQUIRED column, a type mismatch, a NULL in a
// REQUIRED column or a row outside the decorator's partition fails the job with an errorResult,
// as BigQuery does; nothing of a failed job becomes visible.
//
// Fault injection: FailNextLoad, FailPolls, FailInsertResponses. Observation: Requests, Jobs,
// Rows.
//
// A Server is safe for concurrent use.
package bqtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/storage"
	bqapi "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/option"
)

// Default values of the server's options.
const (
	// DefaultPollsUntilDone is how many jobs.get calls a job answers before it is DONE (it is
	// RUNNING in between). The job's effect is applied when it turns DONE.
	DefaultPollsUntilDone = 1
	// DefaultPageSize is the tabledata.list page size when the client sends no maxResults.
	DefaultPageSize = 1000
)

// Option configures a Server.
type Option func(*Server)

// WithPollsUntilDone sets how many jobs.get calls a job takes to finish (0: DONE at insert).
func WithPollsUntilDone(n int) Option { return func(s *Server) { s.pollsUntilDone = n } }

// Server is the fake BigQuery endpoint. Create it with NewServer and Close it when done.
type Server struct {
	URL string // base URL, e.g. http://127.0.0.1:1234
	hs  *httptest.Server

	pollsUntilDone int

	mu       sync.Mutex
	datasets map[string]*dataset // "project.dataset"
	jobs     map[string]*job     // "project/jobID"
	jobOrder []*job
	uploads  map[string]*upload
	objects  map[string][]byte // "bucket/object" (GCS)
	requests []Request
	nextID   int

	failLoads     map[string][]*bqapi.ErrorProto // table id → pending failures
	failPolls     int
	failInsertRes int
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string // without the /bigquery/v2 prefix
	Query  string
}

type dataset struct {
	meta   *bqapi.Dataset
	tables map[string]*table
	gen    int
}

type table struct {
	meta  *bqapi.Table
	gen   int
	parts map[string][]row // partition id ("20260101", or "" when unpartitioned/NULL) → rows
}

// row is stored as column name → value; values are nil, int64, float64, string, bool,
// time.Time (TIMESTAMP), string "YYYY-MM-DD" (DATE), or []any (REPEATED).
type row map[string]any

type job struct {
	project string
	meta    *bqapi.Job
	polls   int
	run     func() *bqapi.ErrorProto // applies the job; nil for no-ops
	table   string
	stats   *bqapi.JobStatistics3
}

type upload struct {
	project string // BigQuery project, or "gcs:<bucket>" for GCS uploads
	buf     []byte
	// finish is called (without the lock) with the complete media.
	finish func(media []byte) (any, *apiError)
}

// NewServer starts a server on 127.0.0.1.
func NewServer(opts ...Option) *Server {
	s := &Server{
		pollsUntilDone: DefaultPollsUntilDone,
		datasets:       map[string]*dataset{},
		jobs:           map[string]*job{},
		uploads:        map[string]*upload{},
		objects:        map[string][]byte{},
		failLoads:      map[string][]*bqapi.ErrorProto{},
	}
	for _, o := range opts {
		o(s)
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.hs.Close() }

// ClientOptions returns the options that point a Google API client at this server.
func (s *Server) ClientOptions() []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(s.URL + "/bigquery/v2/"),
		option.WithoutAuthentication(),
		option.WithHTTPClient(s.hs.Client()),
	}
}

// Client returns a real BigQuery client talking to this server.
func (s *Server) Client(ctx context.Context, project string) (*bq.Client, error) {
	return bq.NewClient(ctx, project, s.ClientOptions()...)
}

// StorageClientOptions returns options for a cloud.google.com/go/storage client (JSON API)
// talking to this server's GCS subset (object upload, get metadata, delete).
func (s *Server) StorageClientOptions() []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(s.URL + "/storage/v1/"),
		option.WithoutAuthentication(),
		option.WithHTTPClient(s.hs.Client()),
	}
}

// StorageClient returns a real GCS client talking to this server.
func (s *Server) StorageClient(ctx context.Context) (*storage.Client, error) {
	return storage.NewClient(ctx, s.StorageClientOptions()...)
}

// FailNextLoad makes the next load job into tableID (without decorator) finish DONE with an
// errorResult of the given reason and message.
func (s *Server) FailNextLoad(tableID, reason, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLoads[tableID] = append(s.failLoads[tableID], &bqapi.ErrorProto{Reason: reason, Message: message})
}

// FailPolls makes the next n jobs.get calls answer 503 backendError.
func (s *Server) FailPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPolls = n
}

// FailInsertResponses makes the next n jobs.insert calls create the job and then answer 503
// backendError, as if the response were lost: a client that retries sees 409 duplicate.
func (s *Server) FailInsertResponses(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failInsertRes = n
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// JobInfo describes one job the server accepted.
type JobInfo struct {
	Project, ID, Location string
	Type                  string // LOAD, QUERY
	Destination           string // dataset.table$decorator for loads
	WriteDisposition      string
	State                 string
	Labels                map[string]string
	Error                 *bqapi.ErrorProto
	SourceURIs            []string
}

// Jobs returns every job accepted so far (dry runs excluded), in insert order.
func (s *Server) Jobs() []JobInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []JobInfo
	for _, j := range s.jobOrder {
		ji := JobInfo{Project: j.project, ID: j.meta.JobReference.JobId, Location: j.meta.JobReference.Location,
			State: j.meta.Status.State, Labels: j.meta.Configuration.Labels, Error: j.meta.Status.ErrorResult}
		if l := j.meta.Configuration.Load; l != nil {
			ji.Type = "LOAD"
			ji.Destination = l.DestinationTable.DatasetId + "." + l.DestinationTable.TableId
			ji.WriteDisposition = l.WriteDisposition
			ji.SourceURIs = l.SourceUris
		} else if j.meta.Configuration.Query != nil {
			ji.Type = "QUERY"
		}
		out = append(out, ji)
	}
	return out
}

// Row is a stored row as column name → value: nil, int64, float64, string, bool, time.Time
// (TIMESTAMP, UTC), "YYYY-MM-DD" (DATE) or []any (REPEATED).
type Row = map[string]any

// Rows returns the rows of project.dataset.table in partition partition ("YYYYMMDD"; "" for
// all partitions), straight from storage (bypassing the wire protocol), and whether the table
// exists.
func (s *Server) Rows(project, datasetID, tableID, partition string) ([]Row, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(project, datasetID, tableID)
	if t == nil {
		return nil, false
	}
	var out []Row
	for _, p := range t.partIDs() {
		if partition != "" && p != partition {
			continue
		}
		for _, r := range t.parts[p] {
			out = append(out, Row(r))
		}
	}
	return out, true
}

// Objects returns the names ("bucket/object") of the GCS objects currently stored.
func (s *Server) Objects() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.objects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (t *table) partIDs() []string {
	ids := make([]string, 0, len(t.parts))
	for p := range t.parts {
		ids = append(ids, p)
	}
	sort.Strings(ids)
	return ids
}

func (s *Server) table(project, datasetID, tableID string) *table {
	d := s.datasets[project+"."+datasetID]
	if d == nil {
		return nil
	}
	return d.tables[tableID]
}

// ---- HTTP plumbing ----

type apiError struct {
	code    int
	reason  string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, e.reason, e.message) }

func errf(code int, reason, format string, args ...any) *apiError {
	return &apiError{code: code, reason: reason, message: fmt.Sprintf(format, args...)}
}

var statusNames = map[int]string{400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "ALREADY_EXISTS",
	412: "FAILED_PRECONDITION", 500: "INTERNAL", 503: "UNAVAILABLE"}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": e.code, "message": e.message, "status": statusNames[e.code],
		"errors": []map[string]string{{"domain": "global", "reason": e.reason, "message": e.message}},
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

func decodeBody(r io.Reader, v any) *apiError {
	if err := json.NewDecoder(r).Decode(v); err != nil {
		return errf(400, "invalid", "invalid JSON payload: %v", err)
	}
	return nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	upload := false
	switch {
	case strings.HasPrefix(path, "/upload/bigquery/v2/"):
		path, upload = strings.TrimPrefix(path, "/upload/bigquery/v2"), true
	case strings.HasPrefix(path, "/bigquery/v2/"):
		path = strings.TrimPrefix(path, "/bigquery/v2")
	case strings.HasPrefix(path, "/upload/storage/v1/"):
		s.logReq(r, path)
		s.gcsUpload(w, r, strings.TrimPrefix(path, "/upload/storage/v1"))
		return
	case strings.HasPrefix(path, "/storage/v1/"):
		s.logReq(r, path)
		s.gcs(w, r, strings.TrimPrefix(path, "/storage/v1"))
		return
	}
	s.logReq(r, path)
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 || parts[0] != "projects" {
		writeError(w, errf(404, "notFound", "Not found: URL %s", r.URL.Path))
		return
	}
	project := parts[1]
	rest := parts[2:]
	var resp any
	var e *apiError
	switch {
	case upload && len(rest) == 1 && rest[0] == "jobs":
		s.handleUpload(w, r, project)
		return
	case len(rest) == 1 && rest[0] == "datasets" && r.Method == http.MethodPost:
		resp, e = s.insertDataset(r, project)
	case len(rest) == 2 && rest[0] == "datasets":
		resp, e = s.dataset(w, r, project, rest[1])
	case len(rest) == 3 && rest[0] == "datasets" && rest[2] == "tables" && r.Method == http.MethodPost:
		resp, e = s.insertTable(r, project, rest[1])
	case len(rest) == 4 && rest[0] == "datasets" && rest[2] == "tables":
		resp, e = s.tableCall(w, r, project, rest[1], rest[3])
	case len(rest) == 5 && rest[0] == "datasets" && rest[2] == "tables" && rest[4] == "data" && r.Method == http.MethodGet:
		resp, e = s.tabledataList(r, project, rest[1], rest[3])
	case len(rest) == 1 && rest[0] == "jobs" && r.Method == http.MethodPost:
		var j bqapi.Job
		if e = decodeBody(r.Body, &j); e == nil {
			resp, e = s.insertJob(project, &j, nil)
		}
	case len(rest) == 1 && rest[0] == "queries" && r.Method == http.MethodPost:
		var q bqapi.QueryRequest
		if e = decodeBody(r.Body, &q); e == nil {
			resp, e = s.query(project, &q)
		}
	case len(rest) == 2 && rest[0] == "jobs" && r.Method == http.MethodGet:
		resp, e = s.getJob(project, rest[1], r.URL.Query().Get("location"))
	default:
		e = errf(404, "notFound", "Not found: %s %s", r.Method, r.URL.Path)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, resp)
}

func (s *Server) logReq(r *http.Request, path string) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery})
	s.mu.Unlock()
}

func (s *Server) etag(kind string, gen int) string { return fmt.Sprintf("%s-%d", kind, gen) }

// ---- datasets ----

func (s *Server) insertDataset(r *http.Request, project string) (any, *apiError) {
	var ds bqapi.Dataset
	if e := decodeBody(r.Body, &ds); e != nil {
		return nil, e
	}
	if ds.DatasetReference == nil || ds.DatasetReference.DatasetId == "" {
		return nil, errf(400, "invalid", "Dataset reference is missing")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := project + "." + ds.DatasetReference.DatasetId
	if _, ok := s.datasets[key]; ok {
		return nil, errf(409, "duplicate", "Already Exists: Dataset %s:%s", project, ds.DatasetReference.DatasetId)
	}
	ds.DatasetReference.ProjectId = project
	if ds.Location == "" {
		ds.Location = "US"
	}
	ds.Id = project + ":" + ds.DatasetReference.DatasetId
	ds.Kind = "bigquery#dataset"
	d := &dataset{meta: &ds, tables: map[string]*table{}, gen: 1}
	ds.Etag = s.etag("ds", 1)
	s.datasets[key] = d
	return &ds, nil
}

func (s *Server) dataset(_ http.ResponseWriter, r *http.Request, project, id string) (any, *apiError) {
	var patch bqapi.Dataset
	var labels map[string]*string
	if r.Method == http.MethodPatch || r.Method == http.MethodPut {
		var e *apiError
		if labels, e = decodePatch(r.Body, &patch); e != nil {
			return nil, e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.datasets[project+"."+id]
	if d == nil {
		return nil, errf(404, "notFound", "Not found: Dataset %s:%s", project, id)
	}
	switch r.Method {
	case http.MethodGet:
		return d.meta, nil
	case http.MethodPatch, http.MethodPut:
		if m := r.Header.Get("If-Match"); m != "" && m != d.meta.Etag {
			return nil, errf(412, "conditionNotMet", "Precondition check failed.")
		}
		if patch.Description != "" {
			d.meta.Description = patch.Description
		}
		if r.Method == http.MethodPut {
			d.meta.Labels = nil
		}
		d.meta.Labels = mergeLabels(d.meta.Labels, labels)
		if patch.DefaultPartitionExpirationMs != 0 {
			d.meta.DefaultPartitionExpirationMs = patch.DefaultPartitionExpirationMs
		}
		d.gen++
		d.meta.Etag = s.etag("ds", d.gen)
		return d.meta, nil
	case http.MethodDelete:
		delete(s.datasets, project+"."+id)
		return map[string]any{}, nil
	}
	return nil, errf(405, "invalid", "method %s not allowed", r.Method)
}

// ---- tables ----

func (s *Server) insertTable(r *http.Request, project, datasetID string) (any, *apiError) {
	var t bqapi.Table
	if e := decodeBody(r.Body, &t); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.datasets[project+"."+datasetID]
	if d == nil {
		return nil, errf(404, "notFound", "Not found: Dataset %s:%s", project, datasetID)
	}
	if t.TableReference == nil || t.TableReference.TableId == "" {
		return nil, errf(400, "invalid", "Table reference is missing")
	}
	if _, ok := d.tables[t.TableReference.TableId]; ok {
		return nil, errf(409, "duplicate", "Already Exists: Table %s:%s.%s", project, datasetID, t.TableReference.TableId)
	}
	if e := validateTable(&t); e != nil {
		return nil, e
	}
	return s.createTableLocked(d, project, datasetID, &t), nil
}

func (s *Server) createTableLocked(d *dataset, project, datasetID string, t *bqapi.Table) *bqapi.Table {
	t.TableReference.ProjectId, t.TableReference.DatasetId = project, datasetID
	t.Id = project + ":" + datasetID + "." + t.TableReference.TableId
	t.Kind = "bigquery#table"
	t.Type = "TABLE"
	t.Location = d.meta.Location
	t.CreationTime = time.Now().UnixMilli()
	tb := &table{meta: t, gen: 1, parts: map[string][]row{}}
	t.Etag = s.etag("t", 1)
	d.tables[t.TableReference.TableId] = tb
	return t
}

func validateTable(t *bqapi.Table) *apiError {
	if t.Schema == nil {
		return nil
	}
	fields := map[string]*bqapi.TableFieldSchema{}
	for _, f := range t.Schema.Fields {
		if _, dup := fields[f.Name]; dup {
			return errf(400, "invalid", "Field %s already exists in schema", f.Name)
		}
		if _, ok := scalarTypes[f.Type]; !ok {
			return errf(400, "invalid", "Unsupported field type %s for field %s", f.Type, f.Name)
		}
		fields[f.Name] = f
	}
	if tp := t.TimePartitioning; tp != nil && tp.Field != "" {
		f := fields[tp.Field]
		if f == nil || (f.Type != "DATE" && f.Type != "TIMESTAMP") || f.Mode == "REPEATED" {
			return errf(400, "invalid", "The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: %v", f)
		}
	}
	if c := t.Clustering; c != nil {
		if len(c.Fields) > 4 {
			return errf(400, "invalid", "Too many clustering fields: %d, only 4 are allowed", len(c.Fields))
		}
		for _, name := range c.Fields {
			if fields[name] == nil {
				return errf(400, "invalid", "The field specified for clustering cannot be found in the schema. Invalid field: %s", name)
			}
		}
	}
	return nil
}

func (s *Server) tableCall(_ http.ResponseWriter, r *http.Request, project, datasetID, tableID string) (any, *apiError) {
	var patch bqapi.Table
	var labels map[string]*string
	if r.Method == http.MethodPatch || r.Method == http.MethodPut {
		var e *apiError
		if labels, e = decodePatch(r.Body, &patch); e != nil {
			return nil, e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.datasets[project+"."+datasetID]
	if d == nil {
		return nil, errf(404, "notFound", "Not found: Dataset %s:%s", project, datasetID)
	}
	base, _, hasDec := cutDecorator(tableID)
	if hasDec && r.Method != http.MethodGet {
		return nil, errf(400, "invalid", "Cannot %s table %s with a partition decorator", r.Method, tableID)
	}
	t := d.tables[base]
	if t == nil {
		return nil, errf(404, "notFound", "Not found: Table %s:%s.%s", project, datasetID, tableID)
	}
	switch r.Method {
	case http.MethodGet:
		t.meta.NumRows = uint64(t.numRows())
		return t.meta, nil
	case http.MethodDelete:
		delete(d.tables, tableID)
		return map[string]any{}, nil
	case http.MethodPatch, http.MethodPut:
		if m := r.Header.Get("If-Match"); m != "" && m != t.meta.Etag {
			return nil, errf(412, "conditionNotMet", "Precondition check failed.")
		}
		if patch.Schema != nil {
			if e := checkSchemaChange(t.meta.Schema, patch.Schema, true, true); e != nil {
				return nil, e
			}
			t.meta.Schema = patch.Schema
		}
		if patch.Description != "" {
			t.meta.Description = patch.Description
		}
		if r.Method == http.MethodPut {
			t.meta.Labels = nil
		}
		t.meta.Labels = mergeLabels(t.meta.Labels, labels)
		if patch.Clustering != nil {
			t.meta.Clustering = patch.Clustering
		}
		if patch.TimePartitioning != nil {
			if t.meta.TimePartitioning == nil || t.meta.TimePartitioning.Field != patch.TimePartitioning.Field {
				return nil, errf(400, "invalid", "Cannot change partitioning spec of table %s", tableID)
			}
			t.meta.TimePartitioning = patch.TimePartitioning
		}
		t.gen++
		t.meta.Etag = s.etag("t", t.gen)
		return t.meta, nil
	}
	return nil, errf(405, "invalid", "method %s not allowed", r.Method)
}

func (t *table) numRows() int {
	n := 0
	for _, p := range t.parts {
		n += len(p)
	}
	return n
}

// checkSchemaChange reports whether new may replace old: fields may be added (NULLABLE or
// REPEATED) if allowAdd, REQUIRED may become NULLABLE if allowRelax; nothing may be removed or
// retyped.
func checkSchemaChange(old, new *bqapi.TableSchema, allowAdd, allowRelax bool) *apiError {
	if old == nil {
		return nil
	}
	nf := map[string]*bqapi.TableFieldSchema{}
	for _, f := range new.Fields {
		nf[f.Name] = f
	}
	of := map[string]bool{}
	for _, o := range old.Fields {
		of[o.Name] = true
		n := nf[o.Name]
		if n == nil {
			return errf(400, "invalid", "Provided Schema does not match Table. Field %s is missing in new schema", o.Name)
		}
		if normType(n.Type) != normType(o.Type) {
			return errf(400, "invalid", "Provided Schema does not match Table. Field %s has changed type from %s to %s", o.Name, normType(o.Type), normType(n.Type))
		}
		om, nm := mode(o.Mode), mode(n.Mode)
		if om != nm {
			if !(om == "REQUIRED" && nm == "NULLABLE" && allowRelax) {
				return errf(400, "invalid", "Provided Schema does not match Table. Field %s has changed mode from %s to %s", o.Name, om, nm)
			}
		}
	}
	for _, n := range new.Fields {
		if of[n.Name] {
			continue
		}
		if !allowAdd {
			return errf(400, "invalid", "Provided Schema does not match Table. Cannot add fields (field: %s)", n.Name)
		}
		if mode(n.Mode) == "REQUIRED" {
			return errf(400, "invalid", "Provided Schema does not match Table. Cannot add required fields to an existing schema. (field: %s)", n.Name)
		}
	}
	return nil
}

func mode(m string) string {
	if m == "" {
		return "NULLABLE"
	}
	return strings.ToUpper(m)
}

var scalarTypes = map[string]string{
	"INTEGER": "INTEGER", "INT64": "INTEGER", "FLOAT": "FLOAT", "FLOAT64": "FLOAT", "STRING": "STRING",
	"BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN", "TIMESTAMP": "TIMESTAMP", "DATE": "DATE",
}

func normType(t string) string {
	if n, ok := scalarTypes[strings.ToUpper(t)]; ok {
		return n
	}
	return strings.ToUpper(t)
}

// ---- tabledata.list ----

func (s *Server) tabledataList(r *http.Request, project, datasetID, tableID string) (any, *apiError) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	base, part, _ := strings.Cut(tableID, "$")
	t := s.table(project, datasetID, base)
	if t == nil {
		return nil, errf(404, "notFound", "Not found: Table %s:%s.%s", project, datasetID, tableID)
	}
	var rows []row
	for _, p := range t.partIDs() {
		if part != "" && p != part {
			continue
		}
		rows = append(rows, t.parts[p]...)
	}
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(rows) {
			return nil, errf(400, "invalid", "Invalid page token %q", tok)
		}
		start = n
	} else if si := q.Get("startIndex"); si != "" {
		n, err := strconv.Atoi(si)
		if err != nil || n < 0 {
			return nil, errf(400, "invalid", "Invalid startIndex %q", si)
		}
		start = min(n, len(rows))
	}
	size := DefaultPageSize
	if mr := q.Get("maxResults"); mr != "" {
		if n, err := strconv.Atoi(mr); err == nil && n > 0 {
			size = n
		}
	}
	end := min(start+size, len(rows))
	useInt64 := q.Get("formatOptions.useInt64Timestamp") == "true"
	out := tableDataList{Kind: "bigquery#tableDataList", Etag: t.meta.Etag, TotalRows: strconv.Itoa(len(rows)), Rows: []tableRow{}}
	for _, rw := range rows[start:end] {
		out.Rows = append(out.Rows, encodeRow(rw, t.meta.Schema, useInt64))
	}
	if end < len(rows) {
		out.PageToken = strconv.Itoa(end)
	}
	return out, nil
}

type tableDataList struct {
	Kind      string     `json:"kind"`
	Etag      string     `json:"etag"`
	TotalRows string     `json:"totalRows"`
	PageToken string     `json:"pageToken,omitempty"`
	Rows      []tableRow `json:"rows,omitempty"`
}

type tableRow struct {
	F []cell `json:"f"`
}

type cell struct {
	V any `json:"v"`
}

func encodeRow(r row, schema *bqapi.TableSchema, useInt64 bool) tableRow {
	var tr tableRow
	for _, f := range schema.Fields {
		v := r[f.Name]
		if mode(f.Mode) == "REPEATED" {
			list := []cell{}
			vs, _ := v.([]any)
			for _, e := range vs {
				list = append(list, cell{V: encodeScalar(e, f.Type, useInt64)})
			}
			tr.F = append(tr.F, cell{V: list})
			continue
		}
		tr.F = append(tr.F, cell{V: encodeScalar(v, f.Type, useInt64)})
	}
	return tr
}

// encodeScalar renders one value the way BigQuery's JSON API does: every non-null scalar is a
// string.
func encodeScalar(v any, typ string, useInt64 bool) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case time.Time:
		if useInt64 {
			return strconv.FormatInt(x.UnixMicro(), 10)
		}
		// BigQuery's legacy format: floating-point seconds in scientific notation, exponent
		// without sign padding ("1.772368215123456E9").
		m, e, _ := strings.Cut(strconv.FormatFloat(float64(x.UnixMicro())/1e6, 'E', -1, 64), "E")
		exp, _ := strconv.Atoi(e)
		return m + "E" + strconv.Itoa(exp)
	}
	return fmt.Sprint(v)
}

// decodePatch decodes a PATCH/PUT body into v and returns its "labels" object with JSON
// nulls (label deletions) kept as nil.
func decodePatch(r io.Reader, v any) (map[string]*string, *apiError) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, errf(400, "invalid", "reading body: %v", err)
	}
	if e := decodeBody(bytes.NewReader(b), v); e != nil {
		return nil, e
	}
	var raw struct {
		Labels map[string]*string `json:"labels"`
	}
	_ = json.Unmarshal(b, &raw)
	return raw.Labels, nil
}

// mergeLabels applies a PATCH's labels: keys with a value are set, keys with null are
// deleted, keys not mentioned are kept.
func mergeLabels(have map[string]string, patch map[string]*string) map[string]string {
	if len(patch) == 0 {
		return have
	}
	out := map[string]string{}
	for k, v := range have {
		out[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out
}
