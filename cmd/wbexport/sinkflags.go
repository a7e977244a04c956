package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/bigquery"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/tablefile"
	"github.com/wbexport/wbexport/sinks/xlsx"
)

// DefaultSink is where `wbexport run` writes when --sink is not given.
const DefaultSink = "file://./wbexport-out"

// sinkFlags select and configure the sink.
type sinkFlags struct {
	url string
	// S3
	s3Region, s3Endpoint, s3SSE, s3KMSKey, s3StorageClass, s3Profile string
	s3PathStyle                                                      bool
	s3PartSize                                                       int64
	s3Concurrency                                                    int
	// File format and Parquet (file and s3 sinks)
	format        string
	pqCompression string
	pqRowGroup    int64
	pqFileBytes   int64
	// BigQuery
	bqLocation   string
	bqPartExpiry time.Duration
	gcsStaging   string
}

// Which sink flags a command takes.
type sinkUse int

const (
	sinkWrite sinkUse = iota // run, demo: every flag
	sinkCheck                // check: where the sink is and what its probe write needs
	sinkGC                   // gc: where the sink is
)

func (f *sinkFlags) register(cmd *cobra.Command, use sinkUse) {
	// Defaults hold also for flags a command does not take.
	f.url, f.format, f.pqCompression = DefaultSink, string(tablefile.Parquet), string(parquetfile.Zstd)
	f.pqRowGroup, f.pqFileBytes = parquetfile.DefaultRowGroupBytes, parquetfile.DefaultFileBytes
	f.s3PartSize, f.s3Concurrency, f.bqLocation = s3.DefaultPartSize, s3.DefaultConcurrency, bigquery.DefaultLocation
	fl := cmd.Flags()
	fl.StringVar(&f.url, "sink", DefaultSink, "where to write: file://DIR, s3://BUCKET/PREFIX, bigquery://PROJECT/DATASET or xlsx://FILE.xlsx (one Excel workbook)")
	fl.StringVar(&f.s3Region, "s3-region", "", "S3: bucket region (default from the AWS environment / shared config)")
	fl.StringVar(&f.s3Endpoint, "s3-endpoint", "", "S3: custom endpoint URL (MinIO, Ceph, R2, versitygw, ...)")
	fl.BoolVar(&f.s3PathStyle, "s3-path-style", false, "S3: path-style addressing (most S3-compatible stores need it)")
	fl.StringVar(&f.s3Profile, "s3-profile", "", "S3: shared config profile (default $AWS_PROFILE)")
	if use == sinkGC {
		return
	}
	fl.StringVar(&f.s3SSE, "s3-sse", "", "S3: server-side encryption: AES256 or aws:kms")
	fl.StringVar(&f.s3KMSKey, "s3-kms-key-id", "", "S3: KMS key id/ARN/alias for --s3-sse aws:kms")
	fl.StringVar(&f.s3StorageClass, "s3-storage-class", "", "S3: storage class of published objects (default: the bucket's)")
	fl.StringVar(&f.bqLocation, "bq-location", bigquery.DefaultLocation, "BigQuery: dataset and job location")
	if use == sinkCheck {
		return
	}
	fl.Int64Var(&f.s3PartSize, "s3-part-size", s3.DefaultPartSize, "S3: multipart part size in bytes")
	fl.IntVar(&f.s3Concurrency, "s3-concurrency", s3.DefaultConcurrency, "S3: parts uploaded at once per object")
	fl.DurationVar(&f.bqPartExpiry, "bq-partition-expiration", 0, "BigQuery: partition expiration of data tables (e.g. 8760h; 0 = never)")
	fl.StringVar(&f.gcsStaging, "gcs-staging", "", "BigQuery: stage Parquet in gs://BUCKET/PREFIX and load from there (for very large exports)")
	fl.StringVar(&f.format, "format", string(tablefile.Parquet), "file format of file:// and s3:// sinks: parquet or csv (RFC 4180, UTF-8, header row)")
	fl.StringVar(&f.pqCompression, "parquet-compression", string(parquetfile.Zstd), "Parquet compression for file:// and s3:// sinks: zstd, snappy or none")
	fl.Int64Var(&f.pqRowGroup, "parquet-row-group-bytes", parquetfile.DefaultRowGroupBytes, "Parquet row group size target in bytes (uncompressed Arrow size)")
	fl.Int64Var(&f.pqFileBytes, "parquet-file-bytes", parquetfile.DefaultFileBytes, "rotate Parquet and CSV files at about this many bytes (part-00000, part-00001, ...)")
}

// scheme returns the lower-cased URL scheme of --sink.
func (f *sinkFlags) scheme() string {
	i := strings.Index(f.url, "://")
	if i < 0 {
		return ""
	}
	return strings.ToLower(f.url[:i])
}

// validate checks the sink URL and flag combinations before anything runs.
func (f *sinkFlags) validate() error {
	s := f.scheme()
	switch s {
	case "file":
		if _, err := localRoot(f.url); err != nil {
			return err
		}
	case "s3":
		if _, err := f.s3Config(); err != nil {
			return err
		}
	case "bigquery", "bq":
		if _, err := f.bqConfig(); err != nil {
			return err
		}
	case "xlsx":
		if _, err := xlsx.ParseURL(f.url); err != nil {
			return usageError("--sink: %v", err)
		}
	default:
		return usageError("--sink %q: unknown scheme %q (use file://DIR, s3://BUCKET/PREFIX, bigquery://PROJECT/DATASET or xlsx://FILE.xlsx)", redactURL(f.url), s)
	}
	if _, err := tablefile.ParseFormat(f.format); err != nil {
		return usageError("--format: %v", err)
	}
	if fm, _ := tablefile.ParseFormat(f.format); fm != tablefile.Parquet && s != "file" && s != "s3" {
		return usageError("--format %s only applies to file:// and s3:// sinks, not %s", fm, redactURL(f.url))
	}
	if _, err := parquetfile.ParseCompression(f.pqCompression); err != nil {
		return usageError("--parquet-compression: %v", err)
	}
	if f.pqRowGroup < 1<<10 || f.pqFileBytes < 1<<10 {
		return usageError("--parquet-row-group-bytes and --parquet-file-bytes must be at least 1024")
	}
	if s != "s3" && (f.s3Endpoint != "" || f.s3SSE != "" || f.s3KMSKey != "" || f.s3PathStyle) {
		return usageError("--s3-* flags only apply to an s3:// sink, not %s", redactURL(f.url))
	}
	if s != "bigquery" && s != "bq" && (f.gcsStaging != "" || f.bqPartExpiry != 0) {
		return usageError("--gcs-staging and --bq-partition-expiration only apply to a bigquery:// sink, not %s", redactURL(f.url))
	}
	return nil
}

// localRoot turns file://DIR (relative or absolute) into a directory path. The file system
// root is refused: an export writes a directory per table and a staging area into it.
func localRoot(raw string) (string, error) {
	p, err := local.ParseURL(raw)
	if err != nil {
		return "", usageError("--sink: %v", err)
	}
	if abs, err := filepath.Abs(p); err == nil && filepath.Dir(abs) == abs {
		return "", usageError("--sink %s is the file system root; give a directory for the export, e.g. file:///data/wbexport", redactURL(raw))
	}
	return p, nil
}

func (f *sinkFlags) s3Config() (s3.Config, error) {
	cfg, err := s3.ParseURL(f.url)
	if err != nil {
		return cfg, usageError("--sink: %v", err)
	}
	cfg.Region, cfg.Endpoint, cfg.PathStyle = f.s3Region, f.s3Endpoint, f.s3PathStyle
	cfg.SSE, cfg.KMSKeyID, cfg.StorageClass, cfg.Profile = f.s3SSE, f.s3KMSKey, f.s3StorageClass, f.s3Profile
	cfg.PartSize, cfg.Concurrency = f.s3PartSize, f.s3Concurrency
	switch cfg.SSE {
	case s3.SSENone, s3.SSEAES256, s3.SSEKMS:
	default:
		return cfg, usageError("--s3-sse must be AES256 or aws:kms, not %q", cfg.SSE)
	}
	if cfg.KMSKeyID != "" && cfg.SSE != s3.SSEKMS {
		return cfg, usageError("--s3-kms-key-id needs --s3-sse aws:kms")
	}
	return cfg, nil
}

func (f *sinkFlags) bqConfig() (bigquery.Config, error) {
	raw := f.url
	if strings.HasPrefix(strings.ToLower(raw), "bq://") {
		raw = "bigquery://" + raw[len("bq://"):]
	}
	cfg, err := bigquery.ParseURL(raw)
	if err != nil {
		return cfg, usageError("--sink: %v", err)
	}
	cfg.Location, cfg.PartitionExpiration, cfg.GCSStaging = f.bqLocation, f.bqPartExpiry, f.gcsStaging
	if err := cfg.Validate(); err != nil {
		return cfg, usageError("--sink %s: %v", cfg.URL(), err)
	}
	return cfg, nil
}

// open creates the sink for run. It returns the sink and its name without credentials.
// A sink that cannot be opened fails with preflightCode's exit code.
func (f *sinkFlags) open(ctx context.Context, run sinks.RunInfo, log *slog.Logger) (sinks.Sink, string, error) {
	if err := f.validate(); err != nil {
		return nil, "", err
	}
	switch f.scheme() {
	case "file":
		root, _ := localRoot(f.url)
		s, err := local.New(ctx, root, run, local.WithParquetOptions(f.parquetOptions()...), local.WithFormat(f.fileFormat()))
		if err != nil {
			return nil, "", withCode(preflightCode(err), err)
		}
		return s, "file://" + root, nil
	case "s3":
		cfg, _ := f.s3Config()
		s, err := s3.New(ctx, cfg, run, s3.WithLogger(log), s3.WithParquetOptions(f.parquetOptions()...), s3.WithFormat(f.fileFormat()))
		if err != nil {
			return nil, "", withCode(preflightCode(err), err)
		}
		return s, cfg.String(), nil
	case "xlsx":
		path, _ := xlsx.ParseURL(f.url)
		s, err := xlsx.New(ctx, path, run)
		if err != nil {
			return nil, "", withCode(ExitUsage, err)
		}
		return s, s.URL(), nil
	default:
		cfg, _ := f.bqConfig()
		s, err := bigquery.New(ctx, cfg, run)
		if err != nil {
			return nil, "", withCode(preflightCode(err), err)
		}
		return s, cfg.URL(), nil
	}
}

// fileFormat is --format (validated already).
func (f *sinkFlags) fileFormat() tablefile.Format {
	fm, _ := tablefile.ParseFormat(f.format)
	return fm
}

// parquetOptions are the Parquet writer options of the file and s3 sinks (validated already).
func (f *sinkFlags) parquetOptions() []parquetfile.Option {
	comp, _ := parquetfile.ParseCompression(f.pqCompression)
	return []parquetfile.Option{
		parquetfile.WithCompression(comp),
		parquetfile.WithRowGroupBytes(f.pqRowGroup),
		parquetfile.WithFileBytes(f.pqFileBytes),
	}
}

// redactURL drops userinfo and query from a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("<unparsable URL, %d chars>", len(raw))
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}
