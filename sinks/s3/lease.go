package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The lease serialises the runs (and gc) that change a prefix's published partitions.
const (
	leaseName = "_lease.json"
	// DefaultLeaseTTL is how long a lease lasts unless renewed; its holder renews it every
	// third of that, so only a holder that died (or hangs) lets it expire.
	DefaultLeaseTTL = 10 * time.Minute
)

// ErrLeaseHeld: another live run (or gc) holds the prefix's lease: it is publishing, or
// rolling back, right now. Retry later.
var ErrLeaseHeld = errors.New("s3: another run holds the lease of this prefix")

// leaseBody is the content of <prefix>/_staging/_lease.json.
type leaseBody struct {
	RunID      string    `json:"run_id"`
	Holder     string    `json:"holder"` // "run" (Commit) or "gc"
	AcquiredAt time.Time `json:"acquired_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// lease is a held lease: its object's ETag, the renewal loop, and whether it was lost.
type lease struct {
	s    *Sink
	body leaseBody
	stop context.CancelFunc
	done chan struct{}

	mu   sync.Mutex
	etag string
	lost error
}

func (s *Sink) leaseKey() string { return s.key(stagingDir, leaseName) }

// acquireLease takes the prefix's lease with a conditional write: a PUT of the lease object
// with If-None-Match: * (only when there is none), or, when the one there has expired (its
// holder died), a PUT with If-Match: its ETag (only over exactly that one, so two runs
// taking over the same dead holder cannot both win). A lease that has not expired is
// ErrLeaseHeld, naming its holder. The lease is renewed until release.
func (s *Sink) acquireLease(ctx context.Context, holder string) (*lease, error) {
	now := s.opts.now()
	b := leaseBody{RunID: s.run.RunID, Holder: holder, AcquiredAt: now.UTC(), ExpiresAt: now.Add(s.opts.leaseTTL).UTC()}
	etag, err := s.putLease(ctx, b, "")
	for attempt := 0; err != nil && conditionFailed(err) && attempt < 2; attempt++ {
		cur, curTag, ok, rerr := s.readLease(ctx)
		switch {
		case rerr != nil:
			return nil, rerr
		case !ok: // released meanwhile
			etag, err = s.putLease(ctx, b, "")
			continue
		case cur.ExpiresAt.After(s.opts.now()):
			return nil, fmt.Errorf("%w: %s is held by %s %s since %s, until %s unless renewed; retry later (a lease whose holder died expires after %v)",
				ErrLeaseHeld, s.uri(s.leaseKey()), cur.Holder, cur.RunID, cur.AcquiredAt.Format(time.RFC3339), cur.ExpiresAt.Format(time.RFC3339), s.opts.leaseTTL)
		}
		s.log.Warn("taking over the expired lease of a dead run", "lease", s.uri(s.leaseKey()), "dead_run_id", cur.RunID, "expired_at", cur.ExpiresAt)
		etag, err = s.putLease(ctx, b, curTag)
	}
	if err != nil {
		if conditionFailed(err) {
			return nil, fmt.Errorf("%w: %s changed while it was being taken; retry later", ErrLeaseHeld, s.uri(s.leaseKey()))
		}
		return nil, fmt.Errorf("take the lease %s: %w%s", s.uri(s.leaseKey()), err, hint(err))
	}
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	l := &lease{s: s, body: b, etag: etag, stop: stop, done: make(chan struct{})}
	go l.renew(rctx)
	return l, nil
}

// putLease writes b as the lease object: only when there is none (ifMatch ""), or only over
// the object with ETag ifMatch. It returns the new object's ETag.
func (s *Sink) putLease(ctx context.Context, b leaseBody, ifMatch string) (string, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return "", err
	}
	in := &awss3.PutObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.leaseKey()),
		Body: bytes.NewReader(append(body, '\n')), ContentType: aws.String("application/json"), Tagging: s.tagging("")}
	if ifMatch == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(ifMatch)
	}
	s.applyPut(in)
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// readLease reads the lease object; ok is false when there is none.
func (s *Sink) readLease(ctx context.Context) (b leaseBody, etag string, ok bool, err error) {
	out, err := s.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.leaseKey())})
	if err != nil {
		if notFound(err) {
			return b, "", false, nil
		}
		return b, "", false, fmt.Errorf("read the lease %s: %w%s", s.uri(s.leaseKey()), err, hint(err))
	}
	defer out.Body.Close()
	if err := json.NewDecoder(out.Body).Decode(&b); err != nil {
		// Not a lease of ours: treat it as expired, so it is taken over (If-Match) rather than
		// blocking the prefix for ever.
		return leaseBody{RunID: "unknown"}, aws.ToString(out.ETag), true, nil
	}
	return b, aws.ToString(out.ETag), true, nil
}

// renew extends the lease every third of its TTL until release; a renewal refused by the
// condition (someone took the lease over) marks it lost.
func (l *lease) renew(ctx context.Context) {
	defer close(l.done)
	s := l.s
	t := time.NewTicker(s.opts.leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		b, etag := l.body, l.etag
		l.mu.Unlock()
		b.ExpiresAt = s.opts.now().Add(s.opts.leaseTTL).UTC()
		tag, err := s.putLease(ctx, b, etag)
		l.mu.Lock()
		switch {
		case err == nil:
			l.etag = tag
		case conditionFailed(err):
			l.lost = fmt.Errorf("%w: the lease %s was taken over by another run while this one held it", ErrLeaseHeld, s.uri(s.leaseKey()))
		default:
			s.log.Warn("could not renew the lease; retrying", "lease", s.uri(s.leaseKey()), "error", err)
		}
		lost := l.lost != nil
		l.mu.Unlock()
		if lost {
			return
		}
	}
}

// check returns why the lease was lost, or nil while it is held.
func (l *lease) check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// release stops the renewals and deletes the lease object, only if it is still this one
// (If-Match). A failure is logged: the lease then expires by itself.
func (l *lease) release(ctx context.Context) {
	l.stop()
	<-l.done
	if l.check() != nil {
		return
	}
	l.mu.Lock()
	etag := l.etag
	l.mu.Unlock()
	s := l.s
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, err := s.client.DeleteObject(rctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket),
		Key: aws.String(s.leaseKey()), IfMatch: aws.String(etag)}); err != nil && !notFound(err) {
		s.log.Warn("could not release the lease; it expires by itself", "lease", s.uri(s.leaseKey()), "error", err)
	}
}

// conditionFailed reports whether err is a conditional write refused: 412 Precondition
// Failed, or 409 ConditionalRequestConflict (a concurrent conditional write won).
func conditionFailed(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && (re.HTTPStatusCode() == 412 || re.HTTPStatusCode() == 409) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict")
}

// notFound reports whether err is S3's 404 (NoSuchKey, NotFound).
func notFound(err error) bool {
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 404
}
