#!/usr/bin/env bash
# Runs the TLS proxy in front of Plenary (deploy/tls-proxy/plenary-tls.conf.template)
# with Debian's nginx, without Docker, in the foreground.
#
# Usage: scripts/tls-proxy/run.sh <plenary host:port[,host:port...]> <listen, e.g. 443 or 127.0.0.1:8443> <cert.pem> <key.pem> [work dir]
set -euo pipefail
upstream="${1:?plenary host:port}"
listen="${2:?listen address}"
cert="$(realpath "${3:?certificate file}")"
key="$(realpath "${4:?key file}")"
dir="${5:-$(mktemp -d /tmp/plenary-tls.XXXXXX)}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="$here/../../deploy/tls-proxy/plenary-tls.conf.template"
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 1; }

# shellcheck source=../lib/nginx.sh
. "$here/../lib/nginx.sh"
write_nginx_conf "$dir" "$dir/plenary-tls.conf" 4096
sed -e "s|\${PLENARY_UPSTREAM_SERVERS}|$(upstream_servers "$upstream")|g" -e "s|\${TLS_LISTEN}|$listen|g" -e "s|\${TLS_CERT}|$cert|g" -e "s|\${TLS_KEY}|$key|g" "$template" >"$dir/plenary-tls.conf"
echo "TLS proxy on https://$listen -> $upstream (logs in $dir)" >&2
exec nginx -p "$dir" -c "$dir/nginx.conf"
