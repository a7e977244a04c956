#!/usr/bin/env bash
# mkroot.sh DIR BINARY — fill the container build context DIR (see deploy/Containerfile): the
# static binary, and a root file system skeleton: the wbexport user and group (65532), the CA
# certificates of this machine (Debian's ca-certificates bundle), a world-writable /tmp.
set -euo pipefail
dir=$1 bin=$2
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$ca" ] || { echo "mkroot.sh: no CA bundle at $ca (apt-get install ca-certificates, or set CA_BUNDLE)" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/rootfs/etc/ssl/certs" "$dir/rootfs/tmp" "$dir/home"
chmod 1777 "$dir/rootfs/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nwbexport:x:65532:65532:wbexport:/home/wbexport:/sbin/nologin\n' > "$dir/rootfs/etc/passwd"
printf 'root:x:0:\nwbexport:x:65532:\n' > "$dir/rootfs/etc/group"
cp "$ca" "$dir/rootfs/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$dir/rootfs/etc/passwd" "$dir/rootfs/etc/group" "$dir/rootfs/etc/ssl/certs/ca-certificates.crt"
cp "$bin" "$dir/wbexport"
chmod 0755 "$dir/wbexport"
