#!/usr/bin/env bash
# Prepares this machine for Plenary and builds it; `npm start` and `npm test`
# both run it first. Every step checks before it acts, so a second run takes
# seconds: Debian packages, npm packages, the mediasoup worker, the TypeScript build.
#
# Usage: setup.sh          what `npm start` needs
#        setup.sh --test   also what the tests need (redis-server, docker-compose, ...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Runtime: ffmpeg for the broadcast ladder, the worker's shared libraries, and
# GStreamer (with a font) for simulated venues, which answer keyframe requests.
runtime_pkgs=(ffmpeg libabsl20220623 libuv1 libsrtp2-1 libusrsctp2 libssl3 libnss3
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-x fonts-dejavu-core)
# Build: what scripts/worker/build-worker.sh compiles the worker with.
build_pkgs=(g++ meson ninja-build pkg-config libabsl-dev libsrtp2-dev libuv1-dev libssl-dev
  libusrsctp-dev nlohmann-json3-dev libflatbuffers-dev flatbuffers-compiler)
# Tests: a real Redis, docker-compose to validate the compose file (no engine runs here),
# Debian's Chromium for the browser tests (never a downloaded browser) with a Chinese font for the
# screenshots of the Chinese UI, nginx for the edge, and coturn for venues that must relay.
test_pkgs=(redis-server docker-compose chromium nginx fonts-wqy-microhei coturn)

wanted=("${runtime_pkgs[@]}" "${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && wanted+=("${test_pkgs[@]}")

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  apt_get() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
  apt_get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt_get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: reinstall only when the lock file or a manifest changed.
stamp=node_modules/.plenary-install-stamp
want_stamp="$(cat package-lock.json package.json */package.json | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
  log "installing npm packages"
  # mediasoup's postinstall would try to download a worker; we build our own.
  MEDIASOUP_WORKER_BIN=/skip npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want_stamp" >"$stamp"
fi

bash scripts/worker/build-worker.sh

log "building TypeScript"
npx tsc -b server
# The scripts (benchmarks, harness) and the browser client are type-checked too.
if [ "${1:-}" = "--test" ]; then npx tsc -p scripts && npx tsc -p client; fi

# The web faces (Vite), rebuilt only when their sources or the shared model change.
faces_stamp=client/dist/.plenary-build-stamp
want_faces="$(find client/src client/*.html client/vite.config.ts shared/src package-lock.json -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
if [ "$(cat "$faces_stamp" 2>/dev/null)" != "$want_faces" ]; then
  log "building the web faces (vite)"
  (cd client && npx vite build --logLevel error)
  echo "$want_faces" >"$faces_stamp"
fi
exit 0
