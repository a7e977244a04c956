// Package s3 is the S3 sink: Parquet on Amazon S3 and S3-compatible stores (MinIO, Ceph
// RGW, Cloudflare R2, versitygw, ...), published all at once like a Hadoop/Spark output
// committer.
//
// # Layout
//
// Under s3://BUCKET/PREFIX the sink writes the same Hive-partitioned layout as the local sink,
// which Athena, Spark, Trino, DuckDB, BigQuery external tables and Glue crawlers read as
// partitioned Parquet:
//
//	<table>/snapshot_date=YYYY-MM-DD/part-00000.parquet   (part-00001... when a table is large; .csv with WithFormat(tablefile.CSV))
//	<table>/snapshot_date=YYYY-MM-DD/_manifest.json        (files, rows, bytes, sha256 of each)
//	<table>/snapshot_date=YYYY-MM-DD/_SUCCESS              (written last)
//	_sync_runs/snapshot_date=YYYY-MM-DD/part-<run_id>.parquet   (the run ledger, one object per run)
//	_staging/<run_id>/...                                  (in-flight runs; ignored by readers: leading "_")
//
// Every object carries the tag wbexport-run-id=<run_id> (data and ledger objects also
// wbexport-table=<table>) and, when configured, server-side encryption (SSE-S3 "AES256" or
// SSE-KMS "aws:kms" with an optional key id) and a storage class.
//
// # Streaming
//
// Write encodes record batches with the shared Parquet writer (sinks/parquetfile) straight
// into an io.Pipe read by the SDK transfer manager's UploadObject
// (feature/s3/transfermanager): files smaller than one part go up with one PutObject, larger
// ones as multipart uploads, part by part while they are produced. Nothing is buffered on local
// disk and no table is held whole in memory: per table being written the sink holds one
// Parquet row group (parquetfile.DefaultRowGroupBytes of Arrow data by default) plus about
// (Concurrency+1) × PartSize bytes of upload buffers. Request checksums are the SDK default
// (CRC32 on every PutObject/UploadPart); the SHA-256 of every file, computed while streaming,
// is recorded in the partition's _manifest.json.
//
// # Publishing
//
// Nothing is visible to readers before Commit. Write stages every file under
// _staging/<run_id>/<table>/snapshot_date=YYYY-MM-DD/. Commit first finishes every table's
// uploads (so a failed extraction or upload publishes nothing), then rolls back any earlier
// run that died while publishing (see below), then, table by table, for the run's partition:
//
//  1. back up the partition: server-side copy its objects (data files, _manifest.json,
//     _SUCCESS) to _staging/<run_id>/_backup/<table>/snapshot_date=YYYY-MM-DD/, and record the
//     partition and what it held in the run's journal, _staging/<run_id>/_journal.json;
//  2. delete the partition's _SUCCESS;
//  3. server-side copy the staged files into place (CopyObject; a multipart UploadPartCopy for
//     files above 5 GiB, CopyObject's limit);
//  4. delete the objects of the partition that the new manifest does not list (e.g. a
//     part-00001.parquet left from a bigger earlier snapshot);
//  5. write _manifest.json;
//  6. write _SUCCESS.
//
// Then the journal is deleted — the run's commit point — and the run's staging prefix (with
// the backups); staging left behind by dead runs older than 12 hours (WithStaleStagingAge) is
// removed, and the pipeline writes the ledger record (AppendLedger). Rerunning a date replaces
// exactly that date's partitions.
//
// # Failed runs and rollback
//
// A failed extraction or upload never touches published data. If publishing fails (at any
// step, or at the commit point), Commit rolls back every partition in the journal — those it
// had published, the one it was publishing — from the backups: it deletes _SUCCESS, copies
// back each data file that differs from its backup, deletes files the run added, copies back
// _manifest.json and finally _SUCCESS. Every previously published object is then byte-for-byte
// as before (same keys and content; a partition that did not exist is removed), partitions
// not reached were never touched, and the error says "the previous snapshot is intact".
// Publish requests are never abandoned half way (one could take effect after the rollback):
// when the run's context ends, the requests in flight are completed (for at most a minute)
// and no further one starts.
//
// If the rollback cannot finish, the error also names the partitions and objects left
// inconsistent (they have no _SUCCESS), and the journal and backups are kept, even by Close.
// The same holds when the process dies while publishing or rolling back. A journal found
// under another run's staging therefore means a dead publish: the next Commit (for any date)
// restores the partitions it lists before publishing anything, then deletes the journal and
// that run's staging; GC (wbexport gc) does the same for runs older than its age. Restoring is
// idempotent. A journal that cannot be rolled back (its backups are gone) makes Commit fail
// without publishing, naming the journal to delete to give the rollback up.
//
// # The publish window, and how readers avoid it
//
// S3 has no atomic multi-object rename, so each partition has a short window (steps 2 to 6:
// a few requests per file, server-side, no data transfer through the client) in which its
// files are being replaced. During that window the partition has no _SUCCESS. Readers that
// must never see a half-replaced partition either
//
//   - read only partitions that contain _SUCCESS (Spark/Hadoop convention; for Athena/Glue,
//     add partitions to the catalog only after _SUCCESS appears), or
//   - read exactly the files listed in the partition's _manifest.json and verify their
//     sha256 (the manifest is written after the files it lists are in place).
//
// Readers that glob the partition directory without either check may, during the window,
// see the old and the new snapshot's files mixed. Two more windows remain: after a failed
// publish, until its rollback ends, partitions the run had already published show its new
// snapshot (complete, with _SUCCESS) and the partition being restored has no _SUCCESS; and if
// the process died mid-publish or mid-rollback, that state lasts until the next run or gc.
// Readers that must only see snapshots of successful runs compare the manifest's run_id with
// the _sync_runs ledger (status "succeeded"), written only after Commit returned.
//
// Runs writing the same prefix may overlap in time: Commit publishes holding the prefix's
// lease (_staging/_lease.json, conditional writes, renewed; taken over once expired when its
// holder died), and fails with ErrLeaseHeld while another run holds it; under the lease any
// other run's journal is a dead run's. GC holds the lease too.
//
// # Configuration
//
// Credentials come from the AWS default chain (environment, shared config and credentials
// files and profiles, web identity / IRSA, ECS task role, EC2 instance role) and are never
// logged or put in errors. Config has the region, a custom endpoint and path-style addressing
// for S3-compatible stores, encryption, storage class, part size and concurrency. The minimum
// IAM permissions are s3:PutObject, s3:GetObject, s3:ListBucket, s3:DeleteObject,
// s3:AbortMultipartUpload, s3:ListBucketMultipartUploads (GC) and s3:PutObjectTagging, plus
// kms:GenerateDataKey and kms:Decrypt for SSE-KMS.
package s3
