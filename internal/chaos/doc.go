// Package chaos holds wbexport's fault matrix: the same seeded WorkBoard organisation is
// exported through the real pipeline (extract client → transform → sink → ledger) into every
// sink — local Parquet, S3 (versitygw) and BigQuery (the bqtest wire server) — with no faults
// (the reference), with API faults of every kind the emulator injects, with paging drift and
// overlap, and with sink faults, and what readers can see afterwards is compared with the
// reference. See docs/guarantees.md for the guarantees the matrix checks.
//
// The package's importable part is the Target abstraction: one destination per sink kind with
// an independent reader (parquet-go for files, storage rows for BigQuery), a fingerprint of
// everything published (file SHA-256s, S3 ETags and SHA-256s, BigQuery partition row digests)
// and the sink faults that can be armed on it. The tests live in matrix_test.go; they are a
// normal `go test` package, so `go test -race ./...` runs them (make chaos runs only them).
package chaos
