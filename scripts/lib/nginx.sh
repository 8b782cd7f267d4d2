# Shared by the scripts that run Debian's nginx in the foreground without Docker (the edge,
# the TLS proxy): the upstream lines and a main nginx.conf whose files all stay in one work dir.

# upstream_servers <host:port[,host:port...]>: one `server` line per Plenary process; one
# that refuses connections (killed, restarting) is skipped for a few seconds.
upstream_servers() {
  local servers="" u
  local -a list
  IFS=',' read -ra list <<<"$1"
  for u in "${list[@]}"; do servers+="server $u max_fails=1 fail_timeout=3s; "; done
  printf '%s' "$servers"
}

# write_nginx_conf <work dir> <site conf> <worker connections>: nginx.conf in the work dir,
# including the site's configuration; pid, logs and temporary files in the work dir too.
write_nginx_conf() {
  local dir="$1" site="$2" connections="$3"
  mkdir -p "$dir/tmp"
  # Started as root, nginx's workers run as www-data: they must reach and write the temporary files.
  if [ "$(id -u)" = 0 ]; then chmod 755 "$dir"; chown -R www-data "$dir/tmp"; fi
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon off;
worker_rlimit_nofile $((connections + 5000));
events { worker_connections $connections; }
http {
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $site;
}
CONF
}
