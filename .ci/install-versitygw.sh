#!/usr/bin/env bash
# Installs versitygw (Apache-2.0, a real S3 server) into <repo>/bin for the sinks/s3 integration
# tests. Idempotent: does nothing when bin/versitygw already exists.
#
# Usage: .ci/install-versitygw.sh            (from anywhere inside the repo)
#        VERSITYGW_VERSION=v1.8.0 .ci/install-versitygw.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${VERSITYGW_VERSION:-v1.8.0}"
bin="$root/bin/versitygw"

if [[ -x "$bin" ]]; then
	echo "versitygw already installed: $bin"
	exit 0
fi

mkdir -p "$root/bin"
echo "installing github.com/versity/versitygw/cmd/versitygw@$version into $root/bin (takes minutes)"
# Run outside the module so our go.mod is neither consulted nor modified.
cd "$(mktemp -d)"
GOBIN="$root/bin" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@$version"
"$bin" --version || true
