// Package tablefile chooses the file format of the file-based sinks (local and S3): Parquet
// (sinks/parquetfile, the default) or CSV (sinks/csvfile). Both write through a
// parquetfile.FileFactory and report parquetfile.FileInfo, so the sinks stage, publish and
// describe (manifest) either format the same way.
package tablefile

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/csvfile"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// Format is a file format.
type Format string

// The formats.
const (
	Parquet Format = "parquet"
	CSV     Format = "csv"
)

// Formats lists the formats, the default first.
var Formats = []Format{Parquet, CSV}

// ParseFormat parses "parquet" or "csv" ("" is Parquet).
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(strings.TrimSpace(s))) {
	case Parquet, "":
		return Parquet, nil
	case CSV:
		return CSV, nil
	}
	return "", fmt.Errorf("format %q: want parquet or csv", s)
}

// Ext is the file name extension, with the dot.
func (f Format) Ext() string {
	if f == CSV {
		return ".csv"
	}
	return ".parquet"
}

// ContentType is the media type of the files (for object stores).
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8; header=present"
	}
	return "application/vnd.apache.parquet"
}

// PartName names file i of a partition: part-00000.parquet or part-00000.csv.
func (f Format) PartName(i int) string {
	if f == CSV {
		return csvfile.PartName(i)
	}
	return parquetfile.PartName(i)
}

// Writer writes the record batches of one table into files: *parquetfile.Writer or
// *csvfile.Writer.
type Writer interface {
	Write(rec arrow.RecordBatch) error
	Close() ([]parquetfile.FileInfo, error)
	Abort()
}

// Config is what a sink passes to NewWriter.
type Config struct {
	Format  Format
	Parquet []parquetfile.Option // Parquet writer options (compression, sizes); the file size applies to CSV too
	Alloc   memory.Allocator     // Parquet buffers (nil: the default allocator)
	Run     sinks.RunInfo        // recorded in Parquet metadata
}

// NewWriter returns the Writer of table in cfg's format, creating files with create, named by
// namer (nil: Format.PartName).
func NewWriter(cfg Config, table *schemas.Table, create parquetfile.FileFactory, namer func(int) string) (Writer, error) {
	if namer == nil {
		namer = cfg.Format.PartName
	}
	if cfg.Format == CSV {
		fileBytes := parquetfile.FileBytes(cfg.Parquet...)
		w, err := csvfile.NewWriter(table, create, csvfile.WithFileNamer(namer), csvfile.WithFileBytes(fileBytes))
		if err != nil {
			return nil, err
		}
		return w, nil
	}
	opts := append([]parquetfile.Option{}, cfg.Parquet...)
	if cfg.Alloc != nil {
		opts = append(opts, parquetfile.WithAllocator(cfg.Alloc))
	}
	opts = append(opts, parquetfile.WithRun(cfg.Run), parquetfile.WithFileNamer(namer))
	w, err := parquetfile.NewWriter(table, create, opts...)
	if err != nil {
		return nil, err
	}
	return w, nil
}
