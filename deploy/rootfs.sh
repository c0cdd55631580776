#!/bin/sh
# deploy/rootfs.sh OUT [VERSION] builds the container image's whole root
# filesystem under the folder OUT, in two parts the Containerfile copies to /:
# OUT/root, owned by root (the static hookd binary, the CA certificates for
# HTTPS receivers, /etc/passwd and /etc/group with the non-root user hookd,
# 65532, and /tmp), and OUT/owned, owned by hookd (/data, for the store).
# Two parts because COPY --chown changes what a folder holds, not the folder
# it copies into: /data must be an entry of the folder copied. The
# Containerfile's build stage runs this script, and so does
# deploy/test-container.sh, so the image tested is the image built.
set -eu
out=$1
version=${2:-dev}
cd "$(dirname "$0")/.."

root=$out/root
mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$out/owned/data"
# The version variable is in the root package, whatever the module is named.
module=$(go list -m)
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $module.Version=$version" -o "$root/hookd" ./cmd/hookd
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nhookd:x:65532:65532:hookd:/data:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nhookd:x:65532:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"
chmod 0700 "$out/owned/data"
