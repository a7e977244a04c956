package parquetfile

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
)

// ManifestName is the file name of a partition's manifest.
const ManifestName = "_manifest.json"

// SuccessName is the marker file written last when a partition is published.
const SuccessName = "_SUCCESS"

// Manifest describes one published table partition: which files make up the snapshot, with
// their row counts, sizes and SHA-256 sums. It is shared by the local and S3 sinks and written
// as "_manifest.json" next to the files. It holds no secrets.
type Manifest struct {
	Table             schemas.TableID `json:"table"`
	SnapshotDate      string          `json:"snapshot_date"` // YYYY-MM-DD
	RunID             string          `json:"run_id"`
	SchemaFingerprint string          `json:"schema_fingerprint"`
	Format            string          `json:"format,omitempty"` // "parquet" or "csv" (set by the sink; absent means parquet)
	Files             []FileInfo      `json:"files"`
	TotalRows         int64           `json:"total_rows"`
	TotalBytes        int64           `json:"total_bytes"`
	CreatedAt         time.Time       `json:"created_at"`
	WbexportVersion   string          `json:"wbexport_version"`
}

// NewManifest builds the manifest of table's partition written by run. Files must not be
// modified afterwards.
func NewManifest(run sinks.RunInfo, table *schemas.Table, files []FileInfo, createdAt time.Time) *Manifest {
	m := &Manifest{
		Table:             table.Name,
		SnapshotDate:      run.Date(),
		RunID:             run.RunID,
		SchemaFingerprint: table.Fingerprint(),
		Files:             append([]FileInfo{}, files...),
		CreatedAt:         createdAt.UTC(),
		WbexportVersion:   run.Version,
	}
	for _, f := range files {
		m.TotalRows += f.Rows
		m.TotalBytes += f.Bytes
	}
	return m
}

// Marshal returns the manifest as indented JSON with a trailing newline.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var (
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	shaRE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ParseManifest decodes and validates a manifest; where names the file for error messages.
func ParseManifest(where string, b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", where, err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", where, err)
	}
	return &m, nil
}

// Validate checks the manifest's internal consistency (known table, date format, sums).
func (m *Manifest) Validate() error {
	if _, ok := schemas.Lookup(m.Table); !ok {
		return fmt.Errorf("unknown table %q", m.Table)
	}
	if !dateRE.MatchString(m.SnapshotDate) {
		return fmt.Errorf("snapshot_date %q is not YYYY-MM-DD", m.SnapshotDate)
	}
	var rows, bytes int64
	for i, f := range m.Files {
		if f.Name == "" {
			return fmt.Errorf("files[%d]: empty name", i)
		}
		if !shaRE.MatchString(f.SHA256) {
			return fmt.Errorf("files[%d] %s: sha256 %q is not 64 lowercase hex digits", i, f.Name, f.SHA256)
		}
		if f.Rows < 0 || f.Bytes < 0 {
			return fmt.Errorf("files[%d] %s: negative rows or bytes", i, f.Name)
		}
		rows += f.Rows
		bytes += f.Bytes
	}
	if rows != m.TotalRows {
		return fmt.Errorf("total_rows %d != sum of files' rows %d", m.TotalRows, rows)
	}
	if bytes != m.TotalBytes {
		return fmt.Errorf("total_bytes %d != sum of files' bytes %d", m.TotalBytes, bytes)
	}
	return nil
}
