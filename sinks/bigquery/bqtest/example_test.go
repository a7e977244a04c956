package bqtest_test

import (
	"context"
	"fmt"

	bq "cloud.google.com/go/bigquery"

	"github.com/wbexport/wbexport/sinks/bigquery/bqtest"
)

// A test starts a server, drives it with the real client and observes what it stored.
func ExampleServer() {
	srv := bqtest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	client, err := srv.Client(ctx, "my-project")
	if err != nil {
		panic(err)
	}
	defer client.Close()
	if err := client.Dataset("wb").Create(ctx, &bq.DatasetMetadata{Location: "EU"}); err != nil {
		panic(err)
	}
	md, err := client.Dataset("wb").Metadata(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(md.Location, len(srv.Jobs()), len(srv.Requests()))
	// Output: EU 0 2
}
