#!/usr/bin/env bash
# Build the image for real with podman (chroot isolation: no container can be run here, but
# RUN steps work), on a base made from Debian's packages since Docker Hub is out of reach.
# The Dockerfile's last stage starts the service inside the image and probes it as the
# runtime user, so a green build is an image that starts.
#
# The base tarball is cached in $RAMTID_CI_CACHE (default /var/cache/ramtid-ci) for a week,
# and podman keeps its layers: a second build on the same machine reinstalls nothing unless
# pyproject.toml or uv.lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${RAMTID_CI_CACHE:-/var/cache/ramtid-ci}
base_tar=$cache/bookworm-python3.11.tar
base=localhost/ramtid-base:bookworm-python3.11
image=${RAMTID_IMAGE:-localhost/ramtid:ci}
mkdir -p "$cache"

if [[ ! -f $base_tar || ! -s $base_tar || -n $(find "$base_tar" -mtime +7) ]]; then
    echo "making the base: Debian bookworm minbase with python3.11 (mmdebstrap)"
    # The format is named: mmdebstrap guesses it from the file name's ending, and a name
    # ending in .part made a directory, not a tarball.
    rm -rf "$base_tar" "$base_tar.part"
    mmdebstrap --quiet --format=tar --variant=minbase --include=python3.11,python3.11-venv \
        bookworm "$base_tar.part"
    mv "$base_tar.part" "$base_tar"
fi
if ! podman image exists "$base" || [[ $base_tar -nt $cache/imported ]]; then
    podman import --quiet "$base_tar" "$base" >/dev/null
    touch "$cache/imported"
fi

# pip inside the build trusts what this machine trusts.
podman build --isolation chroot --layers --format docker \
    --build-arg BASE="$base" --build-arg BUILDER_BASE="$base" \
    --volume /etc/ssl/certs/ca-certificates.crt:/etc/ssl/host-ca.crt:ro \
    --build-arg PIP_CERT=/etc/ssl/host-ca.crt \
    --tag "$image" .

user=$(podman image inspect --format '{{.Config.User}}' "$image")
command=$(podman image inspect --format '{{json .Config.Cmd}}' "$image")
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "image $image: user $user, command $command, $((size / 1024 / 1024)) MiB"
[[ $user == 10001:10001 ]] || { echo "the image must run as its own user, not $user" >&2; exit 1; }
