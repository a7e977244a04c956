package bqtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	bqapi "google.golang.org/api/bigquery/v2"
)

var jobIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// insertJob registers a job. media is the uploaded data of a load job (nil otherwise).
func (s *Server) insertJob(project string, j *bqapi.Job, media []byte) (any, *apiError) {
	if j.Configuration == nil {
		return nil, errf(400, "invalid", "Job configuration is missing")
	}
	if j.JobReference == nil {
		j.JobReference = &bqapi.JobReference{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.JobReference.JobId == "" {
		s.nextID++
		j.JobReference.JobId = fmt.Sprintf("bqtest_job_%d", s.nextID)
	}
	if !jobIDRe.MatchString(j.JobReference.JobId) || len(j.JobReference.JobId) > 1024 {
		return nil, errf(400, "invalid", "Invalid job ID %q. Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.", j.JobReference.JobId)
	}
	for k, v := range j.Configuration.Labels {
		if e := checkLabel(k, v); e != nil {
			return nil, e
		}
	}
	j.JobReference.ProjectId = project
	if j.JobReference.Location == "" {
		j.JobReference.Location = "US"
	}
	j.Kind = "bigquery#job"
	j.Id = project + ":" + j.JobReference.Location + "." + j.JobReference.JobId
	now := time.Now().UnixMilli()
	j.Statistics = &bqapi.JobStatistics{CreationTime: now, StartTime: now}

	if q := j.Configuration.Query; q != nil && j.Configuration.DryRun {
		if e := s.validateQueryLocked(project, q); e != nil {
			return nil, e
		}
		j.Status = &bqapi.JobStatus{State: "DONE"}
		j.Statistics.Query = &bqapi.JobStatistics2{TotalBytesProcessed: 0, StatementType: "SELECT"}
		j.Statistics.TotalBytesProcessed = 0
		j.Statistics.ForceSendFields = []string{"TotalBytesProcessed"}
		return j, nil
	}
	key := project + "/" + j.JobReference.JobId
	if _, dup := s.jobs[key]; dup {
		return nil, errf(409, "duplicate", "Already Exists: Job %s:%s.%s", project, j.JobReference.Location, j.JobReference.JobId)
	}
	jb := &job{project: project, meta: j}
	switch {
	case j.Configuration.Load != nil:
		l := j.Configuration.Load
		if l.DestinationTable == nil {
			return nil, errf(400, "invalid", "Load configuration must specify destination table")
		}
		if l.DestinationTable.ProjectId == "" {
			l.DestinationTable.ProjectId = project
		}
		data := media
		if media == nil {
			if len(l.SourceUris) == 0 {
				return nil, errf(400, "invalid", "Load configuration must specify source URIs or upload data")
			}
			for _, u := range l.SourceUris {
				obj, ok := strings.CutPrefix(u, "gs://")
				b, found := s.objects[obj]
				if !ok || !found {
					return nil, errf(404, "notFound", "Not found: URI %s", u)
				}
				if len(l.SourceUris) > 1 {
					return nil, errf(400, "invalid", "bqtest supports one source URI per load job")
				}
				data = b
			}
		}
		d := s.datasets[l.DestinationTable.ProjectId+"."+l.DestinationTable.DatasetId]
		if d == nil || !strings.EqualFold(d.meta.Location, j.JobReference.Location) {
			return nil, errf(404, "notFound", "Not found: Dataset %s:%s was not found in location %s", l.DestinationTable.ProjectId, l.DestinationTable.DatasetId, j.JobReference.Location)
		}
		base, _, _ := strings.Cut(l.DestinationTable.TableId, "$")
		jb.table = base
		if f := s.failLoads[base]; len(f) > 0 {
			s.failLoads[base] = f[1:]
			fail := f[0]
			jb.run = func() *bqapi.ErrorProto { return fail }
		} else {
			jb.run = func() *bqapi.ErrorProto { return s.runLoadLocked(jb, data) }
		}
	case j.Configuration.Query != nil:
		q := j.Configuration.Query
		if e := s.validateQueryLocked(project, q); e != nil {
			return nil, e
		}
		jb.run = func() *bqapi.ErrorProto { return nil }
	default:
		return nil, errf(400, "invalid", "bqtest supports load and query jobs only")
	}
	j.Status = &bqapi.JobStatus{State: "RUNNING"}
	s.jobs[key] = jb
	s.jobOrder = append(s.jobOrder, jb)
	if s.pollsUntilDone <= 0 {
		s.finishLocked(jb)
	}
	if s.failInsertRes > 0 {
		s.failInsertRes--
		return nil, errf(503, "backendError", "Backend error. Job insert response lost (bqtest fault).")
	}
	return j, nil
}

var labelRe = regexp.MustCompile(`^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)
var labelValRe = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$`)

func checkLabel(k, v string) *apiError {
	if !labelRe.MatchString(k) {
		return errf(400, "invalid", "Invalid label key %q", k)
	}
	if !labelValRe.MatchString(v) {
		return errf(400, "invalid", "Invalid label value %q for key %q: values may contain only lowercase letters, digits, underscores and dashes, at most 63 characters", v, k)
	}
	return nil
}

var fromRe = regexp.MustCompile("(?i)\\bFROM\\s+`?([A-Za-z0-9_.-]+)`?")

func (s *Server) validateQueryLocked(project string, q *bqapi.JobConfigurationQuery) *apiError {
	sql := strings.TrimSpace(q.Query)
	if !strings.HasPrefix(strings.ToUpper(sql), "SELECT") {
		return errf(400, "invalidQuery", "bqtest only understands SELECT statements, got %q", sql)
	}
	if m := fromRe.FindStringSubmatch(sql); m != nil {
		parts := strings.Split(m[1], ".")
		p, d := project, ""
		var t string
		switch len(parts) {
		case 2:
			d, t = parts[0], parts[1]
		case 3:
			p, d, t = parts[0], parts[1], parts[2]
		default:
			return errf(400, "invalidQuery", "Table name %q missing dataset while no default dataset is set in the request.", m[1])
		}
		if s.table(p, d, t) == nil {
			return errf(404, "notFound", "Not found: Table %s:%s.%s was not found in location US", p, d, t)
		}
	}
	return nil
}

func (s *Server) getJob(project, id, location string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPolls > 0 {
		s.failPolls--
		return nil, errf(503, "backendError", "Backend error (bqtest fault).")
	}
	jb := s.jobs[project+"/"+id]
	if jb == nil || (location != "" && !strings.EqualFold(location, jb.meta.JobReference.Location)) {
		// Like BigQuery, a job is only found in its own location.
		return nil, errf(404, "notFound", "Not found: Job %s:%s.%s", project, location, id)
	}
	if jb.meta.Status.State != "DONE" {
		jb.polls++
		if jb.polls >= s.pollsUntilDone {
			s.finishLocked(jb)
		}
	}
	return jb.meta, nil
}

func (s *Server) finishLocked(jb *job) {
	var e *bqapi.ErrorProto
	if jb.run != nil {
		e = jb.run()
	}
	jb.meta.Status = &bqapi.JobStatus{State: "DONE"}
	jb.meta.Statistics.EndTime = time.Now().UnixMilli()
	if jb.stats != nil {
		jb.meta.Statistics.Load = jb.stats
	}
	if e != nil {
		jb.meta.Status.ErrorResult = e
		jb.meta.Status.Errors = []*bqapi.ErrorProto{e}
	}
}

// ---- uploads ----

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request, project string) {
	q := r.URL.Query()
	switch q.Get("uploadType") {
	case "multipart":
		if r.Method != http.MethodPost {
			writeError(w, errf(405, "invalid", "multipart upload must be POST"))
			return
		}
		j, media, e := parseMultipart(r)
		if e == nil {
			var resp any
			resp, e = s.insertJob(project, j, media)
			if e == nil {
				writeJSON(w, resp)
				return
			}
		}
		writeError(w, e)
	case "resumable":
		if id := q.Get("upload_id"); id != "" {
			s.resumableChunk(w, r, project, id)
			return
		}
		var j bqapi.Job
		if e := decodeBody(r.Body, &j); e != nil {
			writeError(w, e)
			return
		}
		s.mu.Lock()
		s.nextID++
		id := fmt.Sprintf("up%d", s.nextID)
		s.uploads[id] = &upload{project: project, finish: func(media []byte) (any, *apiError) {
			return s.insertJob(project, &j, media)
		}}
		s.mu.Unlock()
		w.Header().Set("Location", fmt.Sprintf("%s/upload/bigquery/v2/projects/%s/jobs?uploadType=resumable&upload_id=%s", s.URL, project, id))
		w.WriteHeader(http.StatusOK)
	default:
		writeError(w, errf(400, "invalid", "unsupported uploadType %q", q.Get("uploadType")))
	}
}

func parseMultipart(r *http.Request) (*bqapi.Job, []byte, *apiError) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return nil, nil, errf(400, "invalid", "multipart upload needs a multipart Content-Type, got %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	p, err := mr.NextPart()
	if err != nil {
		return nil, nil, errf(400, "invalid", "multipart upload: metadata part: %v", err)
	}
	var j bqapi.Job
	if err := json.NewDecoder(p).Decode(&j); err != nil {
		return nil, nil, errf(400, "invalid", "multipart upload: metadata JSON: %v", err)
	}
	p, err = mr.NextPart()
	if err != nil {
		return nil, nil, errf(400, "invalid", "multipart upload: media part: %v", err)
	}
	media, err := io.ReadAll(p)
	if err != nil {
		return nil, nil, errf(400, "invalid", "multipart upload: reading media: %v", err)
	}
	return &j, media, nil
}

var rangeRe = regexp.MustCompile(`^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$`)

// resumableChunk handles one chunk PUT/POST to a resumable session URI.
func (s *Server) resumableChunk(w http.ResponseWriter, r *http.Request, project, id string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, errf(400, "invalid", "reading chunk: %v", err))
		return
	}
	cr := r.Header.Get("Content-Range")
	m := rangeRe.FindStringSubmatch(cr)
	if m == nil {
		writeError(w, errf(400, "invalid", "bad Content-Range %q", cr))
		return
	}
	s.mu.Lock()
	u := s.uploads[id]
	if u == nil || u.project != project {
		s.mu.Unlock()
		writeError(w, errf(404, "notFound", "no upload session %s", id))
		return
	}
	if m[1] != "" {
		start, _ := strconv.ParseInt(m[1], 10, 64)
		end, _ := strconv.ParseInt(m[2], 10, 64)
		if start != int64(len(u.buf)) || end-start+1 != int64(len(body)) {
			s.mu.Unlock()
			writeError(w, errf(400, "invalid", "chunk %s does not continue the upload at %d (got %d bytes)", cr, len(u.buf), len(body)))
			return
		}
		u.buf = append(u.buf, body...)
	}
	total := m[3]
	if total == "*" {
		s.mu.Unlock()
		w.Header().Set("Range", fmt.Sprintf("bytes=0-%d", len(u.buf)-1))
		if r.Header.Get("X-GUploader-No-308") == "yes" {
			w.Header().Set("X-Http-Status-Code-Override", "308")
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(308)
		}
		return
	}
	if n, _ := strconv.Atoi(total); n != len(u.buf) {
		s.mu.Unlock()
		writeError(w, errf(400, "invalid", "upload ends with %d bytes, Content-Range says %s", len(u.buf), total))
		return
	}
	delete(s.uploads, id)
	s.mu.Unlock()
	resp, e := u.finish(u.buf)
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, resp)
}

// ---- GCS JSON API subset ----

func (s *Server) gcsUpload(w http.ResponseWriter, r *http.Request, path string) {
	// POST /b/{bucket}/o?uploadType=multipart
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "b" || parts[2] != "o" || r.Method != http.MethodPost {
		writeError(w, errf(404, "notFound", "bqtest GCS: unsupported upload %s %s", r.Method, path))
		return
	}
	switch q := r.URL.Query(); q.Get("uploadType") {
	case "multipart":
	case "resumable":
		if id := q.Get("upload_id"); id != "" {
			s.resumableChunk(w, r, "gcs:"+parts[1], id)
			return
		}
		var meta map[string]any
		if e := decodeBody(r.Body, &meta); e != nil {
			writeError(w, e)
			return
		}
		name, _ := meta["name"].(string)
		if name == "" {
			name = q.Get("name")
		}
		bucket := parts[1]
		s.mu.Lock()
		s.nextID++
		id := fmt.Sprintf("gcsup%d", s.nextID)
		s.uploads[id] = &upload{project: "gcs:" + bucket, finish: func(media []byte) (any, *apiError) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.objects[bucket+"/"+name] = media
			return gcsObject(bucket, name, len(media)), nil
		}}
		s.mu.Unlock()
		w.Header().Set("Location", fmt.Sprintf("%s/upload/storage/v1/b/%s/o?uploadType=resumable&upload_id=%s", s.URL, bucket, id))
		w.WriteHeader(http.StatusOK)
		return
	default:
		writeError(w, errf(400, "invalid", "bqtest GCS: unsupported uploadType %q", q.Get("uploadType")))
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		writeError(w, errf(400, "invalid", "bqtest GCS: multipart Content-Type expected"))
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	p, err := mr.NextPart()
	if err != nil {
		writeError(w, errf(400, "invalid", "bqtest GCS: metadata part: %v", err))
		return
	}
	var meta map[string]any
	if err := json.NewDecoder(p).Decode(&meta); err != nil {
		writeError(w, errf(400, "invalid", "bqtest GCS: metadata: %v", err))
		return
	}
	name, _ := meta["name"].(string)
	if name == "" {
		name = r.URL.Query().Get("name")
	}
	p, err = mr.NextPart()
	if err != nil {
		writeError(w, errf(400, "invalid", "bqtest GCS: media part: %v", err))
		return
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, p); err != nil {
		writeError(w, errf(400, "invalid", "bqtest GCS: media: %v", err))
		return
	}
	s.mu.Lock()
	s.objects[parts[1]+"/"+name] = buf.Bytes()
	s.mu.Unlock()
	writeJSON(w, gcsObject(parts[1], name, buf.Len()))
}

func gcsObject(bucket, name string, size int) map[string]any {
	return map[string]any{"kind": "storage#object", "bucket": bucket, "name": name,
		"size": strconv.Itoa(size), "generation": "1", "metageneration": "1",
		"id": bucket + "/" + name + "/1"}
}

func (s *Server) gcs(w http.ResponseWriter, r *http.Request, path string) {
	// GET/DELETE /b/{bucket}/o/{object}
	rest, ok := strings.CutPrefix(path, "/b/")
	bucket, obj, ok2 := strings.Cut(rest, "/o/")
	if !ok || !ok2 {
		writeError(w, errf(404, "notFound", "bqtest GCS: unsupported %s %s", r.Method, path))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, found := s.objects[bucket+"/"+obj]
	if !found {
		writeError(w, errf(404, "notFound", "No such object: %s/%s", bucket, obj))
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, gcsObject(bucket, obj, len(b)))
	case http.MethodDelete:
		delete(s.objects, bucket+"/"+obj)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, errf(405, "invalid", "bqtest GCS: method %s", r.Method))
	}
}

// ---- jobs.query (fast path) ----

var selectRe = regexp.MustCompile("(?is)^\\s*SELECT\\s+(\\*|COUNT\\(\\*\\)|1)\\s*(?:FROM\\s+`?([A-Za-z0-9_.:-]+)`?\\s*(?:WHERE\\s+([A-Za-z0-9_]+)\\s*=\\s*'([^']*)'\\s*)?)?;?\\s*$")

// query answers jobs.query for the few statements bqtest understands, all rows in one page:
// SELECT 1, SELECT COUNT(*) FROM t, SELECT * FROM t, optionally WHERE col = 'literal'
// (compared with the column's string form, e.g. a DATE as YYYY-MM-DD). t is dataset.table or
// project.dataset.table.
func (s *Server) query(project string, q *bqapi.QueryRequest) (any, *apiError) {
	m := selectRe.FindStringSubmatch(q.Query)
	if m == nil {
		return nil, errf(400, "invalidQuery", "bqtest understands only SELECT 1, SELECT COUNT(*) FROM t and SELECT * FROM t [WHERE col = 'v'], got %q", q.Query)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	ref := map[string]string{"projectId": project, "jobId": fmt.Sprintf("bqtest_query_%d", s.nextID), "location": q.Location}
	useInt64 := q.FormatOptions != nil && q.FormatOptions.UseInt64Timestamp
	resp := map[string]any{"kind": "bigquery#queryResponse", "jobComplete": true, "jobReference": ref}
	if m[2] == "" {
		if m[1] != "1" {
			return nil, errf(400, "invalidQuery", "SELECT %s needs a FROM clause", m[1])
		}
		resp["schema"] = &bqapi.TableSchema{Fields: []*bqapi.TableFieldSchema{{Name: "f0_", Type: "INTEGER", Mode: "NULLABLE"}}}
		resp["rows"] = []tableRow{{F: []cell{{V: "1"}}}}
		resp["totalRows"] = "1"
		return resp, nil
	}
	parts := strings.Split(strings.ReplaceAll(m[2], ":", "."), ".")
	p := project
	switch len(parts) {
	case 2:
	case 3:
		p, parts = parts[0], parts[1:]
	default:
		return nil, errf(400, "invalidQuery", "Table name %q missing dataset while no default dataset is set in the request.", m[2])
	}
	t := s.table(p, parts[0], parts[1])
	if t == nil {
		return nil, errf(404, "notFound", "Not found: Table %s:%s.%s was not found in location %s", p, parts[0], parts[1], q.Location)
	}
	var rows []row
	for _, id := range t.partIDs() {
		for _, r := range t.parts[id] {
			if m[3] != "" && fmt.Sprint(encodeScalar(r[m[3]], "", false)) != m[4] {
				continue
			}
			rows = append(rows, r)
		}
	}
	if m[1] == "1" {
		return nil, errf(400, "invalidQuery", "bqtest: SELECT 1 FROM is not supported")
	}
	if strings.EqualFold(m[1], "COUNT(*)") {
		resp["schema"] = &bqapi.TableSchema{Fields: []*bqapi.TableFieldSchema{{Name: "f0_", Type: "INTEGER", Mode: "NULLABLE"}}}
		resp["rows"] = []tableRow{{F: []cell{{V: strconv.Itoa(len(rows))}}}}
		resp["totalRows"] = "1"
		return resp, nil
	}
	out := []tableRow{}
	for _, r := range rows {
		out = append(out, encodeRow(r, t.meta.Schema, useInt64))
	}
	resp["schema"] = t.meta.Schema
	resp["rows"] = out
	resp["totalRows"] = strconv.Itoa(len(rows))
	return resp, nil
}
