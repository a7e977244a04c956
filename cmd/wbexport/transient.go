package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"

	"cloud.google.com/go/bigquery"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"google.golang.org/api/googleapi"

	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/workboard"
)

// isTransient reports whether err is a failure that a later rerun may not meet: the WorkBoard
// API unavailable or throttled beyond --max-attempts (the client's retryable classes), a
// network failure, or a sink answering 429/5xx (S3, BigQuery, GCS) or a BigQuery job failing
// for a backend reason. Everything else (a decode or schema error, a rejected request, a full
// disk, an untrusted certificate) is permanent: rerunning the same input fails the same way.
func isTransient(err error) bool {
	if err == nil {
		return false
	}
	// A WorkBoard API error carries its own classification (the pacer's retry causes).
	var ae *workboard.APIError
	if errors.As(err, &ae) {
		return ae.Is(workboard.ErrRetryable)
	}
	var de *workboard.DecodeError
	if errors.As(err, &de) {
		return false
	}
	// Another run publishing to the same S3 prefix: retry when it is done.
	if errors.Is(err, s3.ErrLeaseHeld) {
		return true
	}
	// Certificates do not fix themselves.
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) {
		return false
	}
	// S3 and other smithy-based AWS clients, after the SDK's own retries.
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return transientStatus(re.HTTPStatusCode())
	}
	// Google APIs (BigQuery, GCS).
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return transientStatus(ge.Code)
	}
	var be *bigquery.Error
	if errors.As(err, &be) {
		switch be.Reason {
		case "backendError", "internalError", "rateLimitExceeded", "jobBackendError", "jobInternalError":
			return true
		}
		return false
	}
	// The network.
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// transientStatus reports whether an HTTP status means "try again later".
func transientStatus(code int) bool {
	return code == 408 || code == 429 || code >= 500
}
