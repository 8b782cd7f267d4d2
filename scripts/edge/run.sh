#!/usr/bin/env bash
# Runs the Plenary HLS edge (deploy/edge/plenary-edge.conf.template) with
# Debian's nginx, without Docker, in the foreground.
#
# Usage: scripts/edge/run.sh <origin host:port[,host:port...]> <edge port> [work dir]
# The work dir (default: a new temporary one) holds the cache, logs and pid;
# access.log there shows each request's cache status (HIT, MISS, ...).
set -euo pipefail
origin="${1:?origin host:port}"
port="${2:?edge port}"
dir="${3:-$(mktemp -d /tmp/plenary-edge.XXXXXX)}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="$here/../../deploy/edge/plenary-edge.conf.template"
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 1; }

mkdir -p "$dir/cache"
# shellcheck source=../lib/nginx.sh
. "$here/../lib/nginx.sh"
write_nginx_conf "$dir" "$dir/plenary-edge.conf" 65000
# Started as root, nginx's workers run as www-data: they must reach and write the cache.
if [ "$(id -u)" = 0 ]; then chown -R www-data "$dir/cache"; fi
sed -e "s|\${PLENARY_UPSTREAM_SERVERS}|$(upstream_servers "$origin")|g" -e "s|\${EDGE_PORT}|127.0.0.1:$port|g" -e "s|\${EDGE_CACHE_DIR}|$dir/cache|g" "$template" >"$dir/plenary-edge.conf"
echo "edge on http://127.0.0.1:$port -> $origin (logs in $dir)" >&2
exec nginx -p "$dir" -c "$dir/nginx.conf"
