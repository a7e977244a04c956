package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"google.golang.org/api/googleapi"

	"github.com/wbexport/wbexport/sinks"
)

// preflight checks, before any API call, that the sink can take the run (the check of
// `wbexport check --sink`: an S3 probe object written, listed and deleted; the BigQuery
// dataset and tables read and a dry-run query; a writable directory or workbook path). A
// failure is an exitError with preflightCode's code, so a missing bucket or a wrong secret
// stops the run in seconds rather than after the whole extraction.
func preflight(ctx context.Context, s sinks.Sink, name string) error {
	ch, ok := s.(sinks.Checker)
	if !ok {
		return nil
	}
	if err := ch.Check(ctx); err != nil {
		return withCode(preflightCode(err), fmt.Errorf("sink %s is not usable, nothing was extracted: %w", name, err))
	}
	return nil
}

// credentialCodes are the AWS error codes of credentials that the sink refused.
var credentialCodes = map[string]bool{
	"InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "AccessDenied": true, "ExpiredToken": true,
	"InvalidToken": true, "TokenRefreshRequired": true, "AllAccessDisabled": true, "InvalidClientTokenId": true,
}

// preflightCode is the exit code of a failed sink check: 3 when the sink refused the
// credentials (HTTP 401/403, AWS's credential codes, no credentials found); 4 when it is
// unavailable (isTransient); otherwise 2, a configuration to fix (a missing bucket, a dataset
// in another location, a directory that cannot be written).
func preflightCode(err error) int {
	var ae smithy.APIError
	var re *smithyhttp.ResponseError
	var ge *googleapi.Error
	switch {
	case errors.As(err, &ae) && credentialCodes[ae.ErrorCode()],
		errors.As(err, &re) && (re.HTTPStatusCode() == 401 || re.HTTPStatusCode() == 403),
		errors.As(err, &ge) && (ge.Code == 401 || ge.Code == 403),
		strings.Contains(err.Error(), "failed to retrieve credentials"),
		strings.Contains(err.Error(), "could not find default credentials"):
		return ExitAuth
	case isTransient(err):
		return ExitTransient
	}
	return ExitUsage
}
