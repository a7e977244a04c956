// Package xlsxtest reads workbooks written by the xlsx sink through a path independent of the
// library that writes them (excelize): archive/zip and encoding/xml over the OOXML parts
// (workbook, relationships, shared strings, styles, sheets, custom properties), and provides a
// sinktest.Destination for the sink.
package xlsxtest

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/sinks/xlsx"
)

// Kind is a cell's type as the workbook stores it.
type Kind int

// Cell kinds.
const (
	Empty Kind = iota
	Number
	Text
	Bool
	DateTime // a number whose style has a date or time format
)

// Cell is one cell.
type Cell struct {
	Kind   Kind
	Text   string  // Text
	Number float64 // Number, DateTime
	Bool   bool
	Format string // the number format code, for DateTime
}

// Workbook is a read workbook: sheets by name (rows of cells, row 1 first) and custom properties.
type Workbook struct {
	Sheets map[string][][]Cell
	Order  []string
	Props  map[string]string
}

// Read reads the workbook at path.
func Read(p string) (*Workbook, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[f.Name] = f
	}
	read := func(name string, v any) error {
		f, ok := parts[name]
		if !ok {
			return fmt.Errorf("%s: no part %s", p, name)
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return xml.NewDecoder(rc).Decode(v)
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := read("xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := read("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	var shared []string
	if _, ok := parts["xl/sharedStrings.xml"]; ok {
		var sst struct {
			SI []richText `xml:"si"`
		}
		if err := read("xl/sharedStrings.xml", &sst); err != nil {
			return nil, err
		}
		for _, si := range sst.SI {
			shared = append(shared, si.String())
		}
	}
	dateStyles, err := readStyles(read)
	if err != nil {
		return nil, err
	}
	out := &Workbook{Sheets: map[string][][]Cell{}, Props: map[string]string{}}
	for _, s := range wb.Sheets {
		var ws struct {
			Rows []struct {
				R     int `xml:"r,attr"`
				Cells []struct {
					R  string    `xml:"r,attr"`
					T  string    `xml:"t,attr"`
					S  int       `xml:"s,attr"`
					V  *string   `xml:"v"`
					IS *richText `xml:"is"`
				} `xml:"c"`
			} `xml:"sheetData>row"`
		}
		if err := read(targets[s.RID], &ws); err != nil {
			return nil, fmt.Errorf("sheet %s: %w", s.Name, err)
		}
		var rows [][]Cell
		for _, r := range ws.Rows {
			for len(rows) < r.R {
				rows = append(rows, nil)
			}
			var row []Cell
			for _, c := range r.Cells {
				col, err := column(c.R)
				if err != nil {
					return nil, fmt.Errorf("sheet %s: %w", s.Name, err)
				}
				for len(row) <= col {
					row = append(row, Cell{})
				}
				var cell Cell
				switch c.T {
				case "inlineStr":
					cell = Cell{Kind: Text, Text: c.IS.String()}
				case "s":
					i, err := strconv.Atoi(deref(c.V))
					if err != nil || i < 0 || i >= len(shared) {
						return nil, fmt.Errorf("sheet %s cell %s: bad shared string index %q", s.Name, c.R, deref(c.V))
					}
					cell = Cell{Kind: Text, Text: shared[i]}
				case "str":
					cell = Cell{Kind: Text, Text: unescape(deref(c.V))}
				case "b":
					cell = Cell{Kind: Bool, Bool: deref(c.V) == "1"}
				case "", "n":
					if c.V == nil {
						continue
					}
					f, err := strconv.ParseFloat(*c.V, 64)
					if err != nil {
						return nil, fmt.Errorf("sheet %s cell %s: %w", s.Name, c.R, err)
					}
					cell = Cell{Kind: Number, Number: f}
					if code, ok := dateStyles[c.S]; ok {
						cell.Kind, cell.Format = DateTime, code
					}
				default:
					return nil, fmt.Errorf("sheet %s cell %s: cell type %q", s.Name, c.R, c.T)
				}
				row[col] = cell
			}
			rows[r.R-1] = row
		}
		out.Sheets[s.Name] = rows
		out.Order = append(out.Order, s.Name)
	}
	if _, ok := parts["docProps/custom.xml"]; ok {
		var props struct {
			P []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"lpwstr"`
			} `xml:"property"`
		}
		if err := read("docProps/custom.xml", &props); err != nil {
			return nil, err
		}
		for _, p := range props.P {
			out.Props[p.Name] = p.Value
		}
	}
	return out, nil
}

type richText struct {
	T *string `xml:"t"`
	R []struct {
		T string `xml:"t"`
	} `xml:"r"`
}

func (r *richText) String() string {
	if r == nil {
		return ""
	}
	if r.T != nil {
		return unescape(*r.T)
	}
	var b strings.Builder
	for _, run := range r.R {
		b.WriteString(unescape(run.T))
	}
	return b.String()
}

var escRE = regexp.MustCompile(`_x([0-9A-Fa-f]{4})_`)

// unescape decodes OOXML's ST_Xstring escapes (_xHHHH_ for characters XML cannot hold).
func unescape(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	return escRE.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.ParseUint(m[2:6], 16, 16)
		return string(rune(n))
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// readStyles returns the cell style indexes whose number format is a date or time format, with
// the format code.
func readStyles(read func(string, any) error) (map[int]string, error) {
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := read("xl/styles.xml", &st); err != nil {
		return nil, err
	}
	codes := map[int]string{14: "m/d/yyyy", 22: "m/d/yyyy h:mm"} // built-in date formats
	for _, f := range st.NumFmts {
		codes[f.ID] = f.Code
	}
	out := map[int]string{}
	for i, xf := range st.Xfs {
		code := codes[xf.NumFmtID]
		if strings.ContainsAny(strings.ToLower(code), "ymdhs") {
			out[i] = code
		}
	}
	return out, nil
}

// column returns the 0-based column of a cell reference such as "AB12".
func column(ref string) (int, error) {
	n := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		n = n*26 + int(ref[i]-'A'+1)
	}
	if i == 0 {
		return 0, fmt.Errorf("bad cell reference %q", ref)
	}
	return n - 1, nil
}

var epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// serialTime converts an Excel serial date-time to a time, to the millisecond.
func serialTime(v float64) time.Time {
	ms, _ := new(big.Float).Mul(big.NewFloat(v), big.NewFloat(86_400_000)).Float64()
	return time.UnixMilli(epoch.UnixMilli() + int64(math.Round(ms))).UTC()
}

// Rows converts sheet rows (header first) into canonical rows of table: the header must name
// the table's columns in order, and each cell must have the type the xlsx sink documents for
// its column.
func Rows(table *schemas.Table, sheet [][]Cell) ([]sinktest.Row, error) {
	if len(sheet) == 0 {
		return nil, errors.New("no header row")
	}
	for i, c := range table.Columns {
		if i >= len(sheet[0]) || sheet[0][i].Kind != Text || sheet[0][i].Text != c.Name {
			return nil, fmt.Errorf("header column %d is not %q", i, c.Name)
		}
	}
	out := []sinktest.Row{}
	for r, cells := range sheet[1:] {
		row := sinktest.Row{}
		for i, c := range table.Columns {
			var cell Cell
			if i < len(cells) {
				cell = cells[i]
			}
			v, err := value(c.Type, cell)
			if err != nil {
				return nil, fmt.Errorf("row %d column %s: %w", r+2, c.Name, err)
			}
			row[c.Name] = v
		}
		out = append(out, row)
	}
	return out, nil
}

func value(t schemas.Type, c Cell) (any, error) {
	if c.Kind == Empty {
		return sinktest.NullValue(t), nil
	}
	switch t {
	case schemas.Int64:
		switch c.Kind {
		case Number:
			if c.Number != math.Trunc(c.Number) {
				return nil, fmt.Errorf("int64 cell holds %v", c.Number)
			}
			return int64(c.Number), nil
		case Text:
			return strconv.ParseInt(c.Text, 10, 64)
		}
	case schemas.Float64:
		switch c.Kind {
		case Number:
			return c.Number, nil
		case Text:
			switch c.Text {
			case "NaN":
				return math.NaN(), nil
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			}
		}
	case schemas.Bool:
		if c.Kind == Bool {
			return c.Bool, nil
		}
	case schemas.String, schemas.JSON:
		if c.Kind == Text {
			return c.Text, nil
		}
	case schemas.Date:
		switch c.Kind {
		case DateTime:
			return serialTime(c.Number).Format(time.DateOnly), nil
		case Text:
			d, err := time.Parse(time.DateOnly, c.Text)
			return d.Format(time.DateOnly), err
		}
	case schemas.Timestamp:
		switch c.Kind {
		case DateTime:
			return sinktest.CanonicalTime(serialTime(c.Number)), nil
		case Text:
			ts, err := time.Parse(time.RFC3339Nano, c.Text)
			return sinktest.CanonicalTime(ts), err
		}
	case schemas.ListString, schemas.ListInt64:
		if c.Kind == Text {
			return sinktest.ParseJSONList(t, c.Text)
		}
	}
	return nil, fmt.Errorf("a %v column holds a cell of kind %d (%+v)", t, c.Kind, c)
}

// ReadTable reads table's sheet of the workbook at path, with the workbook's snapshot date. ok
// is false when the workbook or the sheet does not exist.
func ReadTable(p string, table schemas.TableID) (rows []sinktest.Row, snapshotDate string, ok bool, err error) {
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, "", false, nil
	}
	wb, err := Read(p)
	if err != nil {
		return nil, "", false, err
	}
	sheet, ok := wb.Sheets[string(table)]
	if !ok {
		return nil, wb.Props[xlsx.PropSnapshotDate], false, nil
	}
	tbl, _ := schemas.Lookup(table)
	rows, err = Rows(tbl, sheet)
	return rows, wb.Props[xlsx.PropSnapshotDate], true, err
}

// Destination is a workbook used as a sinktest.Destination. A table is published for a date
// when the workbook has its sheet and records that snapshot date.
type Destination struct {
	Path string
}

// Open implements sinktest.Destination.
func (d *Destination) Open(t testing.TB, run sinks.RunInfo) sinks.Sink {
	t.Helper()
	s, err := xlsx.New(t.Context(), d.Path, run)
	if err != nil {
		t.Fatalf("xlsx.New: %v", err)
	}
	return s
}

// Read implements sinktest.Destination.
func (d *Destination) Read(t testing.TB, table schemas.TableID, date string) ([]sinktest.Row, bool) {
	t.Helper()
	rows, got, ok, err := ReadTable(d.Path, table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	if !ok || got != date {
		return nil, false
	}
	return rows, true
}

// Ledger implements sinktest.Destination.
func (d *Destination) Ledger(t testing.TB) []sinktest.Row {
	t.Helper()
	rows, _, _, err := ReadTable(d.Path, schemas.SyncRuns)
	if err != nil {
		t.Fatalf("read the ledger: %v", err)
	}
	if rows == nil {
		rows = []sinktest.Row{}
	}
	return rows
}
