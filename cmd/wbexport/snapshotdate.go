package main

import (
	"time"
	_ "time/tzdata" // --timezone works in a container without /usr/share/zoneinfo

	"github.com/spf13/cobra"
)

// dateFlags choose the snapshot day of a run and keep it honest: a run reads WorkBoard as it is
// now, so only today or yesterday (for a nightly job that starts after midnight) label its data
// truthfully.
type dateFlags struct {
	date          string
	timezone      string
	allowBackdate bool
}

func (f *dateFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.date, "snapshot-date", "", "snapshot day YYYY-MM-DD: today or yesterday in --timezone (default today)")
	fl.StringVar(&f.timezone, "timezone", "UTC", "IANA time zone whose calendar decides today and yesterday for --snapshot-date (e.g. Europe/Berlin)")
	fl.BoolVar(&f.allowBackdate, "allow-backdate", false, "accept a --snapshot-date other than today or yesterday; the data is still WorkBoard's current state, and the run summary and ledger record the run as backdated")
}

// day returns the snapshot day (midnight UTC of the calendar date) and whether it is backdated
// (neither today nor yesterday in --timezone at now). A date other than today or yesterday is a
// usage error unless --allow-backdate is given.
func (f *dateFlags) day(now time.Time) (day time.Time, backdated bool, err error) {
	loc, err := time.LoadLocation(f.timezone)
	if err != nil || f.timezone == "" || f.timezone == "Local" {
		return time.Time{}, false, usageError("--timezone %q: want an IANA time zone name such as UTC or Europe/Berlin", f.timezone)
	}
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if f.date == "" {
		return today, false, nil
	}
	day, err = parseDate(f.date)
	if err != nil {
		return time.Time{}, false, err
	}
	yesterday := today.AddDate(0, 0, -1)
	if day.Equal(today) || day.Equal(yesterday) {
		return day, false, nil
	}
	if !f.allowBackdate {
		return time.Time{}, false, usageError("--snapshot-date %s is neither today (%s) nor yesterday in %s: a run exports WorkBoard as it is now, so this would label today's data as %s; pass --allow-backdate to do it anyway (the ledger records the run as backdated)",
			f.date, today.Format(time.DateOnly), loc, f.date)
	}
	return day, true, nil
}

// The snapshot dates every sink accepts: BigQuery's partition range (the others accept
// more).
var (
	firstDate = time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	lastDate  = time.Date(2159, 12, 31, 0, 0, 0, 0, time.UTC)
)

// parseDate parses --snapshot-date's YYYY-MM-DD as midnight UTC; a date outside
// firstDate..lastDate is a usage error.
func parseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageError("--snapshot-date must be YYYY-MM-DD, not %q", s)
	}
	if d.Before(firstDate) || d.After(lastDate) {
		return time.Time{}, usageError("--snapshot-date %s is outside %s..%s, the dates every sink accepts (BigQuery's partition range)",
			s, firstDate.Format(time.DateOnly), lastDate.Format(time.DateOnly))
	}
	return d, nil
}
