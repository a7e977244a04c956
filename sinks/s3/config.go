package s3

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/tablefile"
)

// Defaults of Config and of the options.
const (
	// DefaultPartSize is the multipart upload part size. Objects smaller than one part are
	// sent with a single PutObject.
	DefaultPartSize int64 = 16 << 20
	// MinPartSize is S3's minimum part size (every part but the last).
	MinPartSize int64 = 5 << 20
	// MaxPartSize is S3's maximum part size.
	MaxPartSize int64 = 5 << 30
	// DefaultConcurrency is how many parts of one object are uploaded (or copied) at once.
	DefaultConcurrency = 4
	// DefaultCopyThreshold is the size above which a staged file is published with a multipart
	// copy (UploadPartCopy) instead of CopyObject: S3's CopyObject limit of 5 GiB.
	DefaultCopyThreshold int64 = 5 << 30
	// DefaultCopyPartSize is the part size of multipart copies.
	DefaultCopyPartSize int64 = 512 << 20
	// DefaultStaleStagingAge is how old another run's staging must be (by the newest object
	// in it) before Commit removes it. GC takes its own age.
	DefaultStaleStagingAge = 12 * time.Hour
	// DefaultMaxAttempts is the SDK retryer's attempts per request (the SDK's own default).
	DefaultMaxAttempts = 3
)

// Server-side encryption modes for Config.SSE.
const (
	SSENone   = ""
	SSEAES256 = "AES256"  // SSE-S3
	SSEKMS    = "aws:kms" // SSE-KMS, with Config.KMSKeyID or the account's default key
)

// Config says where and how the sink writes. Build it with ParseURL and set the rest from
// flags. Credentials are not part of it: they come from the AWS default credential chain
// (environment, shared config/credentials profile, web identity / IRSA, ECS and EC2 roles) or
// from WithCredentials.
type Config struct {
	// Bucket is the bucket name (required).
	Bucket string
	// Prefix is the key prefix under which tables are laid out, without leading or trailing
	// slash; "" writes at the bucket root.
	Prefix string
	// Region is the bucket's region. "" takes it from the environment / shared config; when
	// that is empty too, custom endpoints get "us-east-1" and AWS is an error.
	Region string
	// Endpoint is a custom S3 endpoint URL (MinIO, Ceph RGW, Cloudflare R2, versitygw, ...);
	// "" uses AWS.
	Endpoint string
	// PathStyle addresses buckets as https://endpoint/BUCKET/KEY instead of
	// https://BUCKET.endpoint/KEY (most S3-compatible stores need it).
	PathStyle bool
	// SSE is the server-side encryption of every object written: "", "AES256" or "aws:kms".
	SSE string
	// KMSKeyID is the KMS key (id, ARN or alias) for SSE "aws:kms"; "" uses the account's
	// default aws/s3 key.
	KMSKeyID string
	// StorageClass of the published objects ("" = the bucket's default, e.g. STANDARD,
	// INTELLIGENT_TIERING, STANDARD_IA).
	StorageClass string
	// PartSize is the multipart part size in bytes (0 = DefaultPartSize; 5 MiB to 5 GiB).
	// Memory use per table being uploaded is about (Concurrency+1) × PartSize.
	PartSize int64
	// Concurrency is the number of parts uploaded or copied at once per object
	// (0 = DefaultConcurrency).
	Concurrency int
	// Profile selects a shared config profile ("" = $AWS_PROFILE or "default").
	Profile string
}

// String returns the sink's location, s3://bucket/prefix.
func (c Config) String() string {
	if c.Prefix == "" {
		return "s3://" + c.Bucket
	}
	return "s3://" + c.Bucket + "/" + c.Prefix
}

// ParseURL parses a sink URL of the form s3://BUCKET or s3://BUCKET/PREFIX into a Config with
// Bucket and Prefix set. Bucket names are checked against S3's naming rules; the error says
// which rule was broken.
func ParseURL(raw string) (Config, error) {
	const scheme = "s3://"
	if len(raw) < len(scheme) || !strings.EqualFold(raw[:len(scheme)], scheme) {
		return Config{}, fmt.Errorf("sink URL %q: want s3://BUCKET/PREFIX", raw)
	}
	rest := raw[len(scheme):]
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		return Config{}, fmt.Errorf("sink URL %q: query strings and fragments are not supported (use the --s3-* flags)", raw)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if strings.Contains(bucket, "@") {
		return Config{}, fmt.Errorf("sink URL %q: credentials in the URL are not supported; use the AWS credential chain", redactUserinfo(raw))
	}
	if err := ValidateBucket(bucket); err != nil {
		return Config{}, fmt.Errorf("sink URL %q: %w", raw, err)
	}
	prefix, err := cleanPrefix(prefix)
	if err != nil {
		return Config{}, fmt.Errorf("sink URL %q: %w", raw, err)
	}
	return Config{Bucket: bucket, Prefix: prefix}, nil
}

func redactUserinfo(raw string) string {
	i := strings.Index(raw, "@")
	return "s3://***" + raw[i:]
}

func cleanPrefix(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("prefix %q has an empty path segment (//)", p)
		case ".", "..":
			return "", fmt.Errorf("prefix %q has a %q segment", p, seg)
		}
		if seg == stagingDir {
			return "", fmt.Errorf("prefix %q must not contain %s, which the sink uses for staging", p, stagingDir)
		}
	}
	if len(p) > 512 {
		return "", fmt.Errorf("prefix is %d bytes long; keep it under 512 so keys stay under S3's 1024-byte limit", len(p))
	}
	return p, nil
}

var bucketChars = regexp.MustCompile(`^[a-z0-9.-]+$`)

// ValidateBucket checks name against S3's rules for general purpose bucket names.
func ValidateBucket(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("bucket name is empty")
	case len(name) < 3 || len(name) > 63:
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long, is %d", name, len(name))
	case !bucketChars.MatchString(name):
		return fmt.Errorf("bucket name %q may contain only lowercase letters, digits, dots and hyphens", name)
	case !isAlnum(name[0]) || !isAlnum(name[len(name)-1]):
		return fmt.Errorf("bucket name %q must begin and end with a letter or digit", name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("bucket name %q must not contain two adjacent dots", name)
	case net.ParseIP(name) != nil:
		return fmt.Errorf("bucket name %q must not be formatted as an IP address", name)
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return fmt.Errorf("bucket name %q must not start with the reserved prefix %q", name, p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return fmt.Errorf("bucket name %q must not end with the reserved suffix %q", name, s)
		}
	}
	return nil
}

func isAlnum(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

// validate checks the configuration and fills in defaults.
func (c *Config) validate() error {
	if err := ValidateBucket(c.Bucket); err != nil {
		return err
	}
	p, err := cleanPrefix(c.Prefix)
	if err != nil {
		return err
	}
	c.Prefix = p
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--s3-endpoint %q: want an http:// or https:// URL", c.Endpoint)
		}
		if u.User != nil {
			return fmt.Errorf("--s3-endpoint: credentials in the endpoint URL are not supported; use the AWS credential chain")
		}
	}
	switch c.SSE {
	case SSENone, SSEAES256:
		if c.KMSKeyID != "" {
			return fmt.Errorf("--s3-kms-key-id is set but --s3-sse is %q; set --s3-sse aws:kms", c.SSE)
		}
	case SSEKMS:
	default:
		return fmt.Errorf("--s3-sse %q: want AES256 or aws:kms (or empty for the bucket default)", c.SSE)
	}
	if c.StorageClass != "" {
		known := types.StorageClass("").Values()
		if !slices.Contains(known, types.StorageClass(c.StorageClass)) {
			return fmt.Errorf("--s3-storage-class %q: not an S3 storage class (want one of %v)", c.StorageClass, known)
		}
	}
	switch {
	case c.PartSize == 0:
		c.PartSize = DefaultPartSize
	case c.PartSize < MinPartSize || c.PartSize > MaxPartSize:
		return fmt.Errorf("--s3-part-size %d: must be between 5 MiB (%d) and 5 GiB (%d)", c.PartSize, MinPartSize, MaxPartSize)
	}
	switch {
	case c.Concurrency == 0:
		c.Concurrency = DefaultConcurrency
	case c.Concurrency < 0 || c.Concurrency > 64:
		return fmt.Errorf("--s3-concurrency %d: must be between 1 and 64", c.Concurrency)
	}
	return nil
}

// Option configures a Sink beyond its Config (arrow-go style functional options).
type Option func(*options)

type options struct {
	creds         aws.CredentialsProvider
	httpClient    aws.HTTPClient
	log           *slog.Logger
	maxAttempts   int
	staleAge      time.Duration
	copyThreshold int64
	copyPartSize  int64
	mem           memory.Allocator
	parquet       []parquetfile.Option
	format        tablefile.Format
	now           func() time.Time
	leaseTTL      time.Duration
}

func defaultOptions() options {
	return options{
		log:           slog.New(slog.DiscardHandler),
		maxAttempts:   DefaultMaxAttempts,
		staleAge:      DefaultStaleStagingAge,
		leaseTTL:      DefaultLeaseTTL,
		copyThreshold: DefaultCopyThreshold,
		copyPartSize:  DefaultCopyPartSize,
		mem:           memory.DefaultAllocator,
		format:        tablefile.Parquet,
		now:           time.Now,
	}
}

// WithCredentials uses p instead of the AWS default credential chain.
func WithCredentials(p aws.CredentialsProvider) Option { return func(o *options) { o.creds = p } }

// WithHTTPClient sets the HTTP client the S3 client uses (default: the SDK's).
func WithHTTPClient(c aws.HTTPClient) Option { return func(o *options) { o.httpClient = c } }

// WithLogger sets the logger (default: discard). Credentials are never logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithMaxAttempts sets the SDK retryer's attempts per request (default DefaultMaxAttempts).
func WithMaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// WithStaleStagingAge sets how old another run's leftover staging must be before Commit
// removes it (default DefaultStaleStagingAge; negative disables the clean-up).
func WithStaleStagingAge(d time.Duration) Option { return func(o *options) { o.staleAge = d } }

// WithCopyThreshold sets the object size above which publishing uses a multipart copy
// (default DefaultCopyThreshold, S3's 5 GiB CopyObject limit) and the part size of such
// copies (0 keeps DefaultCopyPartSize).
func WithCopyThreshold(threshold, partSize int64) Option {
	return func(o *options) {
		o.copyThreshold = threshold
		if partSize > 0 {
			o.copyPartSize = partSize
		}
	}
}

// WithAllocator sets the allocator of the Parquet writers (default memory.DefaultAllocator).
func WithAllocator(mem memory.Allocator) Option { return func(o *options) { o.mem = mem } }

// WithParquetOptions passes options to every Parquet writer (compression, row group and file
// sizes). The file namer cannot be overridden.
func WithParquetOptions(opts ...parquetfile.Option) Option {
	return func(o *options) { o.parquet = append(o.parquet, opts...) }
}

// WithFormat sets the file format of data and ledger objects (default tablefile.Parquet):
// tablefile.CSV writes part-NNNNN.csv objects (sinks/csvfile) in the same layout, published the
// same way with the same manifests and _SUCCESS markers.
func WithFormat(f tablefile.Format) Option { return func(o *options) { o.format = f } }

// WithClock sets the clock used for manifests and staging ages (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
