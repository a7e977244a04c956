package bigquery

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/option"
)

// Defaults of Config fields left zero.
const (
	DefaultLocation        = "US"
	DefaultPollInterval    = 500 * time.Millisecond // first wait between two jobs.get polls
	DefaultMaxPollInterval = 10 * time.Second       // the poll backoff's ceiling
	DefaultInsertAttempts  = 4                      // tries of one jobs.insert on transient errors
	DefaultRetryInterval   = time.Second            // first wait between two jobs.insert tries
)

// Config configures the BigQuery sink. Credentials are never part of it: the client uses
// Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth
// application-default login, the metadata server) unless client options say otherwise.
type Config struct {
	Project  string // GCP project that owns the dataset and runs the load jobs
	Dataset  string // dataset id; created in Location when missing
	Location string // dataset and job location (default DefaultLocation)
	// PartitionExpiration, when > 0, is set as the partition expiration of every data table
	// (not of the run ledger, which is the audit trail).
	PartitionExpiration time.Duration
	// GCSStaging, when set (gs://bucket/prefix), stages each table's Parquet file as a GCS
	// object and loads from its URI instead of uploading it with the load job. Objects are
	// deleted after their job finishes.
	GCSStaging string
	// Labels are added to the dataset (when created), to every table and to every job.
	// Keys and values must follow BigQuery's label rules (lowercase letters, digits, _ and -).
	Labels map[string]string
	// ChunkSize is the upload chunk size of load-job media; files larger than one chunk use
	// the resumable upload. 0 means the client library's default (16 MiB).
	ChunkSize int
	// TempDir holds the staged Parquet files (default os.TempDir()).
	TempDir string
	// PollInterval and MaxPollInterval bound the exponential backoff between job polls.
	PollInterval, MaxPollInterval time.Duration
	// InsertAttempts and RetryInterval control retries of jobs.insert on transient errors.
	InsertAttempts int
	RetryInterval  time.Duration
	// Allocator is used for the Parquet writer's Arrow and Parquet buffers (default
	// memory.DefaultAllocator); tests pass a memory.CheckedAllocator.
	Allocator memory.Allocator
	// StorageOptions are extra client options for the GCS client used with GCSStaging
	// (tests point it at bqtest). They are not part of the sink URL.
	StorageOptions []option.ClientOption
}

var (
	// https://cloud.google.com/resource-manager/docs/creating-managing-projects: 6–30 chars,
	// lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen;
	// optionally domain-scoped ("example.com:my-project").
	projectRe = regexp.MustCompile(`^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	// Dataset ids: letters, digits and underscores, at most 1024 characters.
	datasetRe  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	locationRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	labelKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	labelValRe = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
)

// ParseURL parses a sink URL of the form bigquery://PROJECT/DATASET into a Config with the
// default location. Errors name what is wrong.
func ParseURL(raw string) (Config, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme != "bigquery" {
		return Config{}, fmt.Errorf("bigquery: sink URL %q: scheme must be bigquery://", redact(raw))
	}
	if strings.ContainsAny(rest, "@?#") {
		return Config{}, fmt.Errorf("bigquery: sink URL %q: only bigquery://PROJECT/DATASET is accepted (no user info, query or fragment; credentials come from Application Default Credentials)", redact(raw))
	}
	project, ds, _ := strings.Cut(rest, "/")
	ds = strings.TrimSuffix(ds, "/")
	if strings.Contains(ds, "/") {
		return Config{}, fmt.Errorf("bigquery: sink URL %q: want bigquery://PROJECT/DATASET, the path has more than one segment", raw)
	}
	cfg := Config{Project: project, Dataset: ds, Location: DefaultLocation}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("bigquery: sink URL %q: %w", raw, err)
	}
	return cfg, nil
}

// redact drops anything that may be a credential (user info, query) from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "@?"); i >= 0 {
			return raw[:strings.Index(raw, "://")+3] + "…"
		}
		return raw
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// URL returns the sink URL of c (bigquery://PROJECT/DATASET), as recorded in the ledger.
func (c Config) URL() string { return "bigquery://" + c.Project + "/" + c.Dataset }

// Validate checks the configuration and returns an error naming the bad field.
func (c Config) Validate() error {
	switch {
	case c.Project == "":
		return fmt.Errorf("project is empty (want bigquery://PROJECT/DATASET)")
	case !projectRe.MatchString(c.Project):
		return fmt.Errorf("project %q is not a valid GCP project id (6-30 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen)", c.Project)
	case c.Dataset == "":
		return fmt.Errorf("dataset is empty (want bigquery://PROJECT/DATASET)")
	case !datasetRe.MatchString(c.Dataset) || len(c.Dataset) > 1024:
		return fmt.Errorf("dataset %q is not a valid BigQuery dataset id (letters, digits and underscores only, at most 1024)", c.Dataset)
	case c.Location != "" && !locationRe.MatchString(c.Location):
		return fmt.Errorf("location %q is not a valid BigQuery location (e.g. US, EU, europe-west3)", c.Location)
	case c.PartitionExpiration < 0:
		return fmt.Errorf("partition expiration %v is negative", c.PartitionExpiration)
	case c.ChunkSize < 0:
		return fmt.Errorf("chunk size %d is negative", c.ChunkSize)
	}
	if c.GCSStaging != "" {
		if _, _, err := parseGCS(c.GCSStaging); err != nil {
			return err
		}
	}
	for k, v := range c.Labels {
		if !labelKeyRe.MatchString(k) {
			return fmt.Errorf("label key %q is invalid (lowercase letter first, then lowercase letters, digits, _ or -, at most 63)", k)
		}
		if !labelValRe.MatchString(v) {
			return fmt.Errorf("label %s: value %q is invalid (lowercase letters, digits, _ or -, at most 63)", k, v)
		}
	}
	return nil
}

func parseGCS(s string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "gs://")
	if !ok {
		return "", "", fmt.Errorf("GCS staging %q must start with gs://", s)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`).MatchString(bucket) {
		return "", "", fmt.Errorf("GCS staging %q: bucket %q is not a valid bucket name", s, bucket)
	}
	return bucket, strings.Trim(prefix, "/"), nil
}

func (c Config) withDefaults() Config {
	if c.Location == "" {
		c.Location = DefaultLocation
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.MaxPollInterval <= 0 {
		c.MaxPollInterval = DefaultMaxPollInterval
	}
	if c.MaxPollInterval < c.PollInterval {
		c.MaxPollInterval = c.PollInterval
	}
	if c.InsertAttempts <= 0 {
		c.InsertAttempts = DefaultInsertAttempts
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.Allocator == nil {
		c.Allocator = memory.DefaultAllocator
	}
	return c
}

// LabelValue turns s into a valid label value: lowercase, characters outside [a-z0-9_-]
// replaced by '_', at most 63 characters.
func LabelValue(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 63 {
		b = b[:63]
	}
	return string(b)
}
