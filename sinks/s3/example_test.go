package s3_test

import (
	"fmt"

	"github.com/wbexport/wbexport/sinks/s3"
)

func ExampleParseURL() {
	cfg, err := s3.ParseURL("s3://acme-analytics/exports/workboard/")
	if err != nil {
		panic(err)
	}
	// Flags fill in the rest; credentials come from the AWS default chain.
	cfg.Region = "eu-west-1"
	cfg.SSE, cfg.KMSKeyID = s3.SSEKMS, "alias/wbexport"
	fmt.Println(cfg.Bucket, cfg.Prefix, cfg)

	_, err = s3.ParseURL("s3://Acme_Analytics/exports")
	fmt.Println(err)
	// Output:
	// acme-analytics exports/workboard s3://acme-analytics/exports/workboard
	// sink URL "s3://Acme_Analytics/exports": bucket name "Acme_Analytics" may contain only lowercase letters, digits, dots and hyphens
}
