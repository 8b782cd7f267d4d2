#!/usr/bin/env bash
# Builds mediasoup-worker from the sources inside the installed mediasoup npm
# package, against Debian's libraries, with no network access. The prebuilt
# download and the pip/meson subproject download that mediasoup's own
# postinstall uses cannot reach the internet here, so each meson subproject is
# replaced by a shim that exposes the system library (see shims/).
#
# The binary is cached outside the repo, keyed by the mediasoup version and a
# hash of every build input, then copied to where mediasoup looks for it.
#
# Usage: build-worker.sh [--print-path]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
pkg="$repo/node_modules/mediasoup"
cache_root="${PLENARY_CACHE_DIR:-$HOME/.cache/plenary}/mediasoup-worker"

log() { printf '[worker] %s\n' "$*" >&2; }

[ -f "$pkg/package.json" ] || { log "mediasoup is not installed in node_modules; run npm install first"; exit 1; }
version="$(node -p "require('$pkg/package.json').version")"

# Every input that changes the binary: the package version, the shims, this
# script, the compiler and the Debian library versions it links against.
key="$( {
  echo "mediasoup $version"
  cat "$0"
  find "$here/shims" -type f | sort | xargs cat
  g++ --version | head -1
  dpkg-query -W -f='${Package} ${Version}\n' libabsl-dev libsrtp2-dev libuv1-dev libssl-dev \
    libusrsctp-dev libflatbuffers-dev flatbuffers-compiler nlohmann-json3-dev meson 2>/dev/null
} | sha256sum | cut -c1-16)"
cached="$cache_root/$version-$key/mediasoup-worker"
target="$pkg/worker/out/Release/mediasoup-worker"

if [ "${1:-}" = "--print-path" ]; then echo "$cached"; exit 0; fi

place() {
  mkdir -p "$(dirname "$target")"
  if ! cmp -s "$cached" "$target" 2>/dev/null; then cp "$cached" "$target"; fi
}

if [ -x "$cached" ]; then
  place
  log "using cached mediasoup-worker $version ($cached)"
  exit 0
fi

build="$(mktemp -d /tmp/plenary-worker-build.XXXXXX)"
trap 'rm -rf "$build"' EXIT
log "building mediasoup-worker $version in $build (about 4 minutes on 2 cores)"
cp -r "$pkg/worker/." "$build/"

# One shim per wrap, placed in the directory the wrap names, so meson uses it
# instead of downloading (--wrap-mode=nodownload makes any miss an error).
for wrap in "$build"/subprojects/*.wrap; do
  name="$(basename "$wrap" .wrap)"
  dir="$(sed -n 's/^directory *= *//p' "$wrap")"
  if [ -d "$here/shims/$name" ]; then
    mkdir -p "$build/subprojects/$dir"
    cp -r "$here/shims/$name/." "$build/subprojects/$dir/"
  fi
done

# Debian 12 ships meson 1.0.1; the worker asks for >= 1.1.0 but builds with 1.0.1.
sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$build/meson.build"

# Fix for a crash on every browser's DTLS handshake with Debian's OpenSSL 3.0.22:
# the BIO callback answers every "return" phase except plain writes with 1, so
# BIO_get_ktls_send() on the outgoing memory BIO says "kernel TLS on", OpenSSL
# allocates no record write buffer, and the first handshake record is written
# to NULL. The return phase is a flag (BIO_CB_RETURN | operation), not a value.
dtls="$build/src/RTC/DtlsTransport.cpp"
grep -q '(operationType == BIO_CB_RETURN)' "$dtls" || { log "DtlsTransport.cpp changed; review the BIO callback fix"; exit 1; }
sed -i 's/(operationType == BIO_CB_RETURN)/((operationType \& BIO_CB_RETURN) != 0)/' "$dtls"

cd "$build"
CXXFLAGS="-include $here/shims/srtp-compat.hpp" \
  meson setup --wrap-mode=nodownload --buildtype release -Dms_disable_liburing=true out >"$build/setup.log" 2>&1 \
  || { tail -40 "$build/setup.log" >&2; exit 1; }
meson compile -C out flatbuffers-generator >"$build/ninja.log" 2>&1 || { tail -40 "$build/ninja.log" >&2; exit 1; }
ninja -C out mediasoup-worker >>"$build/ninja.log" 2>&1 || { tail -60 "$build/ninja.log" >&2; exit 1; }

mkdir -p "$(dirname "$cached")"
cp out/mediasoup-worker "$cached.tmp"
mv "$cached.tmp" "$cached"
place
log "built and cached $cached"
