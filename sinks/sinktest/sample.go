package sinktest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
)

// SampleOption adjusts generated rows.
type SampleOption func(*sampleConfig)

type sampleConfig struct {
	date         string
	runID        string
	wholeSeconds bool
}

// DefaultSampleDate is the snapshot_date of sample rows unless WithDate is given.
const DefaultSampleDate = "2026-03-01"

// WithDate sets the snapshot_date column of every row (YYYY-MM-DD). Sinks that partition by
// snapshot_date (BigQuery) need it to equal the run's date.
func WithDate(date string) SampleOption { return func(c *sampleConfig) { c.date = date } }

// WithRunID sets the _run_id column (and run_id of _sync_runs rows) of every row.
func WithRunID(id string) SampleOption { return func(c *sampleConfig) { c.runID = id } }

// WithWholeSeconds makes timestamps whole seconds (as WorkBoard's are), still distinct per row.
func WithWholeSeconds() SampleOption { return func(c *sampleConfig) { c.wholeSeconds = true } }

func sampleCfg(opts []SampleOption) sampleConfig {
	c := sampleConfig{date: DefaultSampleDate, runID: "00000000-0000-7000-8000-000000000000"}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// SampleRecords returns n deterministic rows of table as one record batch built from the
// table's schema: the same (table, n, seed, options) always give the same rows, different
// seeds give different values. Int64 columns hold seed*1e6+row so primary keys are unique within
// a batch and across seeds; nullable columns are NULL every fifth row; list columns hold 0 to 3
// elements (empty every fourth row); strings include non-ASCII text. The caller must Release
// the batch.
func SampleRecords(mem memory.Allocator, table *schemas.Table, n int, seed int64, opts ...SampleOption) arrow.RecordBatch {
	cfg := sampleCfg(opts)
	date := mustDate(cfg.date)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	b := array.NewRecordBuilder(mem, table.Arrow())
	defer b.Release()
	words := []string{"alpha", "Grüße", "東京", "naïve café", "emoji 🚀", "O'Brien", `quote "q"`, "tab\there"}
	for i := 0; i < n; i++ {
		for c, col := range table.Columns {
			fb := b.Field(c)
			if col.Nullable && (i+c)%5 == 3 {
				fb.AppendNull()
				continue
			}
			switch col.Name {
			case schemas.ColSnapshotDate:
				fb.(*array.Date32Builder).Append(date)
				continue
			case schemas.ColRunID, "run_id":
				fb.(*array.StringBuilder).Append(cfg.runID)
				continue
			}
			switch col.Type {
			case schemas.Int64:
				fb.(*array.Int64Builder).Append(seed*1_000_000 + int64(i))
			case schemas.Float64:
				fb.(*array.Float64Builder).Append(math.Round(rng.Float64()*1e6) / 1e3)
			case schemas.String:
				fb.(*array.StringBuilder).Append(fmt.Sprintf("%s %s #%d/%d", col.Name, words[rng.IntN(len(words))], seed, i))
			case schemas.JSON:
				fb.(*array.StringBuilder).Append(fmt.Sprintf(`{"seed":%d,"row":%d,"v":%q}`, seed, i, words[rng.IntN(len(words))]))
			case schemas.Bool:
				fb.(*array.BooleanBuilder).Append(rng.IntN(2) == 1)
			case schemas.Timestamp:
				// Microsecond instants between 1990 and 2040, distinct per row for keys.
				us := int64(631152000)*1e6 + rng.Int64N(50*365*86400*1e6)
				if cfg.wholeSeconds {
					fb.(*array.TimestampBuilder).Append(arrow.Timestamp(us - us%1e6 + int64(i)*1e6))
				} else {
					fb.(*array.TimestampBuilder).Append(arrow.Timestamp(us - us%1000 + int64(i)))
				}
			case schemas.Date:
				fb.(*array.Date32Builder).Append(date)
			case schemas.ListString:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				vb := lb.ValueBuilder().(*array.StringBuilder)
				for j := 0; j < i%4; j++ {
					vb.Append(words[rng.IntN(len(words))])
				}
			case schemas.ListInt64:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				vb := lb.ValueBuilder().(*array.Int64Builder)
				for j := 0; j < i%4; j++ {
					vb.Append(rng.Int64N(1e9))
				}
			default:
				panic(fmt.Sprintf("sinktest: table %s column %s: unsupported type %s", table.Name, col.Name, col.Type))
			}
		}
	}
	return b.NewRecordBatch()
}

// EdgeStringBytes is the size of the large string in EdgeRecords. 1 MiB keeps test data small
// while still crossing every page/buffer default (Parquet data pages are 1 MiB, BigQuery's
// per-cell limit is far above).
const EdgeStringBytes = 1 << 20

// EdgeTimes are the extreme timestamps EdgeRecords uses: the first and last instants BigQuery's
// TIMESTAMP accepts, a time before 1970 with a microsecond fraction (negative epoch micros) and
// the Unix epoch.
var EdgeTimes = []time.Time{
	time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
	time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
	time.Date(1900, 2, 28, 12, 30, 0, 123456000, time.UTC),
}

// EdgeRecords returns 5 rows of table with extreme values, one row per case:
//
//	row 0: every nullable column NULL, lists empty, required strings "", numbers 0, the epoch
//	row 1: int64 max, +Inf, 9999-12-31T23:59:59.999999Z, unicode strings (combining marks,
//	       emoji, right-to-left text, control characters \t \n, quotes and backslashes)
//	row 2: int64 min, -Inf, 0001-01-01T00:00:00Z, a string of about EdgeStringBytes bytes in
//	       the first string column ("x" in the others)
//	row 3: NaN, the largest float64, 1969-12-31T23:59:59.999999Z (negative epoch micros),
//	       lists with many elements including "" and extreme int64s
//	row 4: the smallest subnormal float64, 1900-02-28T12:30:00.123456Z, a one-space string
//
// NaN is expected to round-trip as NaN (Parquet and BigQuery FLOAT64 both store it); -0.0 is
// not used because stores may normalise it. Int64 columns get distinct values per row so
// primary keys stay unique. The caller must Release the batch.
func EdgeRecords(mem memory.Allocator, table *schemas.Table, opts ...SampleOption) arrow.RecordBatch {
	cfg := sampleCfg(opts)
	date := mustDate(cfg.date)
	ints := []int64{0, math.MaxInt64, math.MinInt64, 1, -1}
	floats := []float64{0, math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64}
	big := strings.Repeat("0123456789abcdéf", EdgeStringBytes/17) // é is two bytes
	strs := []string{"", "e\u0301 👩‍👩‍👧 שלום \t\n \"q\" \\ ' \u2028 end", big, "ünïcödé", " "}
	lists := [][]string{{}, {"Grüße", "東京"}, {""}, {"a", "", "🚀", "b", "c", "d", "e", "f"}, {" "}}
	intLists := [][]int64{{}, {math.MaxInt64}, {math.MinInt64, 0}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {-1}}
	bools := []bool{false, true, false, true, false}
	b := array.NewRecordBuilder(mem, table.Arrow())
	defer b.Release()
	for i := 0; i < 5; i++ {
		bigDone := false
		for c, col := range table.Columns {
			fb := b.Field(c)
			if i == 0 && col.Nullable {
				fb.AppendNull()
				continue
			}
			switch col.Name {
			case schemas.ColSnapshotDate:
				fb.(*array.Date32Builder).Append(date)
				continue
			case schemas.ColRunID, "run_id":
				fb.(*array.StringBuilder).Append(cfg.runID)
				continue
			}
			switch col.Type {
			case schemas.Int64:
				fb.(*array.Int64Builder).Append(ints[i])
			case schemas.Float64:
				if i == 3 && c%2 == 1 {
					fb.(*array.Float64Builder).Append(math.MaxFloat64)
				} else {
					fb.(*array.Float64Builder).Append(floats[i])
				}
			case schemas.String:
				s := strs[i]
				if i == 2 {
					// Only the first string column carries the large value.
					if bigDone {
						s = "x"
					}
					bigDone = true
				}
				fb.(*array.StringBuilder).Append(s)
			case schemas.JSON:
				fb.(*array.StringBuilder).Append(fmt.Sprintf(`{"case":%d,"s":%q}`, i, "Grüße 🚀"))
			case schemas.Bool:
				fb.(*array.BooleanBuilder).Append(bools[i])
			case schemas.Timestamp:
				fb.(*array.TimestampBuilder).Append(arrow.Timestamp(EdgeTimes[i].UnixMicro()))
			case schemas.Date:
				fb.(*array.Date32Builder).Append(date)
			case schemas.ListString:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				for _, s := range lists[i] {
					lb.ValueBuilder().(*array.StringBuilder).Append(s)
				}
			case schemas.ListInt64:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				for _, v := range intLists[i] {
					lb.ValueBuilder().(*array.Int64Builder).Append(v)
				}
			default:
				panic(fmt.Sprintf("sinktest: table %s column %s: unsupported type %s", table.Name, col.Name, col.Type))
			}
		}
	}
	return b.NewRecordBatch()
}

func mustDate(s string) arrow.Date32 {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(fmt.Sprintf("sinktest: bad date %q: %v", s, err))
	}
	return arrow.Date32FromTime(t)
}
