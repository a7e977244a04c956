package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// publish replaces table's partition with the staged files listed in m:
//
//  0. back up every object of the partition into the run's staging area and record the
//     partition, with what it held, in the run's journal (see rollback.go);
//  1. delete the partition's _SUCCESS;
//  2. server-side copy every staged file into place (CopyObject, or a multipart
//     UploadPartCopy for objects above the copy threshold);
//  3. delete every other object of the partition that m does not list;
//  4. write _manifest.json;
//  5. write _SUCCESS.
//
// If it fails, Commit rolls back every partition in the journal, this one included.
func (s *Sink) publish(ctx context.Context, table schemas.TableID, m *parquetfile.Manifest) error {
	dir := s.PartitionKey(table, s.run.Date())
	staged := s.stagedPartitionKey(table)
	successKey := dir + parquetfile.SuccessName
	manifestKey := dir + parquetfile.ManifestName
	log := s.log.With("table", table, "partition", s.uri(dir))

	body, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	// Requests run on rctx, which ctx does not cancel: a request abandoned half way might
	// still take effect after the rollback has looked at the partition. ctx is checked before
	// each request instead.
	rctx, done := detach(ctx)
	defer done()
	step := func(f func(context.Context) error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return f(rctx)
	}

	// 0. Back up, then journal the partition before touching it. The entry stays in the
	// in-memory journal even if writing the journal fails: undoing an untouched partition
	// changes nothing.
	jp, err := s.backup(ctx, rctx, table, dir)
	if err != nil {
		return err
	}
	if s.journal == nil {
		s.journal = &journal{Version: journalVersion, RunID: s.run.RunID, SnapshotDate: s.run.Date()}
	}
	s.journal.Partitions = append(s.journal.Partitions, jp)
	if err := step(s.putJournal); err != nil {
		return err
	}
	log.Debug("publish: backed up the partition", "objects", len(jp.Objects))

	// 1. Unpublish.
	hadSuccess := false
	for _, o := range jp.Objects {
		hadSuccess = hadSuccess || o.Name == parquetfile.SuccessName
	}
	if hadSuccess {
		if err := step(func(ctx context.Context) error { return s.deleteObject(ctx, successKey) }); err != nil {
			return err
		}
	}
	log.Debug("publish: removed _SUCCESS", "existed", hadSuccess)

	// 2. Copy the staged files into place.
	err = forEach(ctx, rctx, s.cfg.Concurrency, m.Files, func(ctx context.Context, f parquetfile.FileInfo) error {
		return s.copyObject(ctx, staged+f.Name, dir+f.Name, f.Bytes, table)
	})
	if err != nil {
		return err
	}
	log.Debug("publish: copied staged files", "files", len(m.Files))

	// 3. Delete what the new manifest does not list (of what the partition held before).
	keep := map[string]bool{manifestKey: true, successKey: true}
	for _, f := range m.Files {
		keep[dir+f.Name] = true
	}
	var stale []string
	for _, o := range jp.Objects {
		if !keep[dir+o.Name] {
			stale = append(stale, dir+o.Name)
		}
	}
	if err := forEach(ctx, rctx, s.cfg.Concurrency, stale, s.deleteObject); err != nil {
		return err
	}
	log.Debug("publish: removed stale files", "files", len(stale))

	// 4 and 5. Manifest, then _SUCCESS.
	if err := step(func(ctx context.Context) error { return s.putSmall(ctx, manifestKey, body, "application/json", table) }); err != nil {
		return err
	}
	return step(func(ctx context.Context) error { return s.putSmall(ctx, successKey, nil, "text/plain", "") })
}

// requestGrace is how long a publish request may still run after the run's context ended.
const requestGrace = time.Minute

// detach returns a context for publish requests that is not canceled when ctx ends, so that
// no request is abandoned half way (its effect would be unknown to the rollback), but is
// canceled requestGrace after ctx ends, so that a hung request cannot block forever. Call
// done when finished.
func detach(ctx context.Context) (rctx context.Context, done func()) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(requestGrace, cancel) })
	return rctx, func() { stop(); cancel() }
}

// forEach calls fn(rctx, item) for every item, at most limit at a time, and returns the first
// error. Once ctx has ended or a call has failed no further call starts (ctx's error is
// returned if no call failed), but calls in progress are waited for, not abandoned.
func forEach[T any](ctx, rctx context.Context, limit int, items []T, fn func(context.Context, T) error) error {
	var (
		g     errgroup.Group
		mu    sync.Mutex
		first error
	)
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first != nil || ctx.Err() != nil
	}
	g.SetLimit(limit)
	for _, it := range items {
		if stopped() {
			break
		}
		g.Go(func() error {
			if stopped() {
				return nil
			}
			if err := fn(rctx, it); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// copyObject copies src to dst server-side, with the configured encryption and storage class.
// Objects up to the copy threshold use CopyObject (metadata and tags copied from the staged
// object); larger ones a multipart copy.
func (s *Sink) copyObject(ctx context.Context, src, dst string, size int64, table schemas.TableID) error {
	source := copySource(s.cfg.Bucket, src)
	sse, kms := s.sse()
	if size <= s.opts.copyThreshold {
		_, err := s.client.CopyObject(ctx, &awss3.CopyObjectInput{
			Bucket:               aws.String(s.cfg.Bucket),
			Key:                  aws.String(dst),
			CopySource:           aws.String(source),
			ServerSideEncryption: sse,
			SSEKMSKeyId:          kms,
			StorageClass:         types.StorageClass(s.cfg.StorageClass),
		})
		if err != nil {
			return fmt.Errorf("copy %s to %s: %w%s", s.uri(src), s.uri(dst), err, hint(err))
		}
		return nil
	}

	mpu, err := s.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
		Bucket:               aws.String(s.cfg.Bucket),
		Key:                  aws.String(dst),
		ContentType:          aws.String(s.opts.format.ContentType()),
		ServerSideEncryption: sse,
		SSEKMSKeyId:          kms,
		StorageClass:         types.StorageClass(s.cfg.StorageClass),
		Tagging:              s.tagging(table),
	})
	if err != nil {
		return fmt.Errorf("copy %s to %s: create multipart upload: %w%s", s.uri(src), s.uri(dst), err, hint(err))
	}
	abort := func(cause error) error {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		s.client.AbortMultipartUpload(actx, &awss3.AbortMultipartUploadInput{
			Bucket: aws.String(s.cfg.Bucket), Key: aws.String(dst), UploadId: mpu.UploadId,
		})
		return fmt.Errorf("copy %s to %s: %w%s", s.uri(src), s.uri(dst), cause, hint(cause))
	}
	partSize := s.opts.copyPartSize
	n := int((size + partSize - 1) / partSize)
	parts := make([]types.CompletedPart, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Concurrency)
	for i := range n {
		g.Go(func() error {
			first := int64(i) * partSize
			last := min(first+partSize, size) - 1
			out, err := s.client.UploadPartCopy(gctx, &awss3.UploadPartCopyInput{
				Bucket:          aws.String(s.cfg.Bucket),
				Key:             aws.String(dst),
				UploadId:        mpu.UploadId,
				PartNumber:      aws.Int32(int32(i + 1)),
				CopySource:      aws.String(source),
				CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", first, last)),
			})
			if err != nil {
				return fmt.Errorf("part %d (bytes %d-%d): %w", i+1, first, last, err)
			}
			if out.CopyPartResult == nil {
				return fmt.Errorf("part %d: empty UploadPartCopy result", i+1)
			}
			parts[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return abort(err)
	}
	if _, err := s.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(dst), UploadId: mpu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}); err != nil {
		return abort(fmt.Errorf("complete multipart upload: %w", err))
	}
	return nil
}

// copySource returns the x-amz-copy-source value: bucket/key with the key URL-encoded.
func copySource(bucket, key string) string {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return bucket + "/" + strings.Join(segs, "/")
}

// putSmall writes a small object (manifest, _SUCCESS) with the configured encryption and
// storage class.
func (s *Sink) putSmall(ctx context.Context, key string, body []byte, contentType string, table schemas.TableID) error {
	in := &awss3.PutObjectInput{
		Bucket:      aws.String(s.cfg.Bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String(contentType),
		Tagging:     s.tagging(table),
	}
	s.applyPut(in)
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("write %s: %w%s", s.uri(key), err, hint(err))
	}
	return nil
}

// getSmall reads a small object; ok is false when it does not exist.
func (s *Sink) getSmall(ctx context.Context, key string) (body []byte, ok bool, err error) {
	out, err := s.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("%w%s", err, hint(err))
	}
	defer out.Body.Close()
	body, err = io.ReadAll(io.LimitReader(out.Body, 1<<20))
	if err != nil {
		return nil, false, err
	}
	return body, true, nil
}

func (s *Sink) deleteObject(ctx context.Context, key string) error {
	if _, err := s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("delete %s: %w%s", s.uri(key), err, hint(err))
	}
	return nil
}

type object struct {
	key      string
	size     int64
	modified time.Time
	etag     string
}

// list returns every object whose key starts with prefix, in key order.
func (s *Sink) list(ctx context.Context, prefix string) ([]object, error) {
	var objs []object
	p := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w%s", s.uri(prefix), err, hint(err))
		}
		for _, o := range page.Contents {
			objs = append(objs, object{
				key: aws.ToString(o.Key), size: aws.ToInt64(o.Size),
				modified: aws.ToTime(o.LastModified), etag: aws.ToString(o.ETag),
			})
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].key < objs[j].key })
	return objs, nil
}

// deletePrefix deletes every object under prefix and returns how many there were.
func (s *Sink) deletePrefix(ctx context.Context, prefix string) (int, error) {
	objs, err := s.list(ctx, prefix)
	if err != nil {
		return 0, err
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.key
	}
	return len(keys), s.deleteKeys(ctx, keys)
}

// deleteKeys deletes keys with DeleteObjects, 1000 at a time.
func (s *Sink) deleteKeys(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 1000)]
		keys = keys[len(batch):]
		ids := make([]types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := s.client.DeleteObjects(ctx, &awss3.DeleteObjectsInput{
			Bucket: aws.String(s.cfg.Bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete %d objects (first %s): %w%s", len(batch), s.uri(batch[0]), err, hint(err))
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s: %s (and %d more failures)", s.uri(aws.ToString(e.Key)),
				aws.ToString(e.Code), aws.ToString(e.Message), len(out.Errors)-1)
		}
	}
	return nil
}

// GCStats reports what GC removed.
type GCStats struct {
	Runs       []string // run ids whose staging areas were removed
	RolledBack []string // of those, runs that died while publishing and whose partitions GC rolled back
	Repaired   []string // of those, runs whose rollback GC gave up (GCRepair): their partitions were left as they were
	Objects    int      // objects deleted (staged files, backups, journals and probe objects)
	Uploads    int      // incomplete multipart uploads aborted
}

// GCOption configures GC.
type GCOption func(*gcConfig)

type gcConfig struct{ repair bool }

// GCRepair makes GC give up the rollback of a dead run that cannot be rolled back (a
// StuckError): its journal and staging are deleted and its partitions left as they are; the
// run id is reported in GCStats.Repaired.
func GCRepair() GCOption { return func(c *gcConfig) { c.repair = true } }

// GC removes leftover staging of dead runs, holding the prefix's lease (ErrLeaseHeld when a
// live run holds it: GC then does nothing). A run whose journal is still there died while
// publishing (or rolling back) — whatever its age, since a live run holds the lease while it
// has a journal: GC restores the partitions it touched from its backups, then removes its
// staging. When that fails, GC keeps going with the other runs and returns a StuckError naming
// the repair (or, with GCRepair, gives that rollback up). Other runs' staging is removed when
// its newest object is older than olderThan (except this sink's own run; such a run may still
// be extracting), and so are probe objects and incomplete multipart uploads under _staging/
// older than that. GC never touches published partitions otherwise, nor the ledger.
func (s *Sink) GC(ctx context.Context, olderThan time.Duration, opts ...GCOption) (GCStats, error) {
	var gc gcConfig
	for _, o := range opts {
		o(&gc)
	}
	l, err := s.acquireLease(ctx, "gc")
	if err != nil {
		return GCStats{}, fmt.Errorf("gc: %w (nothing was collected)", err)
	}
	defer l.release(ctx)
	return s.collect(ctx, olderThan, gc)
}

// collect is GC's work, done holding the lease (GC's, or Commit's).
func (s *Sink) collect(ctx context.Context, olderThan time.Duration, gc gcConfig) (GCStats, error) {
	var st GCStats
	cutoff := s.opts.now().Add(-olderThan)
	root := s.key(stagingDir) + "/"
	own := ""
	if s.run.RunID != "" {
		own = s.StagingKey(s.run.RunID)
	}

	objs, err := s.list(ctx, root)
	if err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	type runDir struct {
		keys    []string
		newest  time.Time
		journal bool
	}
	runs := map[string]*runDir{}
	var names []string
	var doomed []string
	for _, o := range objs {
		rest := strings.TrimPrefix(o.key, root)
		id, _, nested := strings.Cut(rest, "/")
		switch {
		case !nested:
			if strings.HasPrefix(id, probePrefix) && o.modified.Before(cutoff) {
				doomed = append(doomed, o.key)
			}
		case root+id+"/" == own:
		default:
			r := runs[id]
			if r == nil {
				r = &runDir{}
				runs[id] = r
				names = append(names, id)
			}
			r.keys = append(r.keys, o.key)
			r.journal = r.journal || o.key == s.journalKey(id)
			if o.modified.After(r.newest) {
				r.newest = o.modified
			}
		}
	}
	var errs []error
	for _, id := range names {
		r := runs[id]
		switch {
		case r.journal:
			// The run died while publishing: roll its partitions back before its backups go.
			n, err := s.recoverRun(ctx, id)
			st.Objects += n
			var stuck *StuckError
			if errors.As(err, &stuck) && gc.repair {
				s.log.Warn("giving up the rollback of a dead run (gc --repair)", "dead_run_id", id, "date", stuck.Date, "error", stuck.Err)
				n, err = s.giveUp(ctx, id)
				st.Objects += n
				if err == nil {
					st.Runs, st.Repaired = append(st.Runs, id), append(st.Repaired, id)
					continue
				}
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			st.Runs = append(st.Runs, id)
			st.RolledBack = append(st.RolledBack, id)
		case !r.newest.Before(cutoff):
		default:
			st.Runs = append(st.Runs, id)
			doomed = append(doomed, r.keys...)
		}
	}
	if err := s.deleteKeys(ctx, doomed); err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	st.Objects += len(doomed)
	if len(errs) > 0 {
		return st, fmt.Errorf("gc: %w", join(errs))
	}

	// Incomplete multipart uploads (a killed run's uploads are invisible to ListObjects).
	var keyMarker, uploadMarker *string
	for {
		out, err := s.client.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{
			Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(root),
			KeyMarker: keyMarker, UploadIdMarker: uploadMarker,
		})
		if err != nil {
			return st, fmt.Errorf("gc: list multipart uploads under %s: %w%s", s.uri(root), err, hint(err))
		}
		for _, u := range out.Uploads {
			k := aws.ToString(u.Key)
			if (own != "" && strings.HasPrefix(k, own)) || !aws.ToTime(u.Initiated).Before(cutoff) {
				continue
			}
			if _, err := s.client.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{
				Bucket: aws.String(s.cfg.Bucket), Key: u.Key, UploadId: u.UploadId,
			}); err != nil {
				return st, fmt.Errorf("gc: abort multipart upload of %s: %w%s", s.uri(k), err, hint(err))
			}
			st.Uploads++
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		keyMarker, uploadMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	return st, nil
}

// hint returns advice for common S3 error codes, or "".
func hint(err error) string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return ""
	}
	switch ae.ErrorCode() {
	case "AccessDenied", "Forbidden", "AllAccessDisabled":
		return " (the credentials lack permission: the sink needs s3:PutObject, s3:GetObject, s3:ListBucket, s3:DeleteObject, s3:AbortMultipartUpload, s3:PutObjectTagging, and kms:GenerateDataKey/kms:Decrypt for SSE-KMS)"
	case "NoSuchBucket":
		return " (the bucket does not exist or is in another account/endpoint)"
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "XAdminUserNotFound":
		return " (check the AWS credentials: environment, profile, web identity or instance role)"
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return " (the bucket is in another region: set --s3-region)"
	case "KMS.NotFoundException", "KMS.DisabledException", "KMS.AccessDeniedException":
		return " (check --s3-kms-key-id and the key policy)"
	}
	return ""
}
