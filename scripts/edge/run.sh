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

mkdir -p "$dir/cache" "$dir/tmp"
# Started as root, nginx's workers run as www-data: they must reach and write the cache.
if [ "$(id -u)" = 0 ]; then
  chmod 755 "$dir"
  chown -R www-data "$dir/cache" "$dir/tmp"
fi
# One upstream server line per origin process.
servers=""
IFS=',' read -ra origins <<<"$origin"
for o in "${origins[@]}"; do servers+="server $o max_fails=1 fail_timeout=3s; "; done
sed -e "s|\${PLENARY_UPSTREAM_SERVERS}|$servers|g" -e "s|\${EDGE_PORT}|127.0.0.1:$port|g" -e "s|\${EDGE_CACHE_DIR}|$dir/cache|g" "$template" >"$dir/plenary-edge.conf"
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon off;
worker_rlimit_nofile 70000;
events { worker_connections 65000; }
http {
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/plenary-edge.conf;
}
CONF
echo "edge on http://127.0.0.1:$port -> $origin (logs in $dir)" >&2
exec nginx -p "$dir" -c "$dir/nginx.conf"
