#!/bin/sh
# Instantiates nginx-test.conf for a test:
#   render-test-conf.sh DIR LISTEN PORT [PORT...]  ->  writes DIR/nginx.conf, prints its path
# DIR must be absolute (created if missing); LISTEN like 127.0.0.1:18080; each PORT is a livechat
# node on 127.0.0.1. MAX_FAILS (default 2) and FAIL_TIMEOUT (default 10s) tune passive health.
# TLS_LISTEN, TLS_CERT and TLS_KEY (all three) add an HTTPS/WSS listener with livechat.conf's TLS
# settings (its "livechat tls" block, copied verbatim).
# Then: nginx -c DIR/nginx.conf -p DIR -e DIR/error.log   (stays in the foreground)
set -eu
if [ $# -lt 3 ]; then
  echo "usage: $0 DIR LISTEN PORT [PORT...]" >&2
  exit 2
fi
dir=$1 listen=$2
shift 2
case $dir in /*) ;; *) echo "DIR must be absolute: $dir" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
ups=""
for port in "$@"; do
  ups="$ups server 127.0.0.1:$port max_fails=${MAX_FAILS:-2} fail_timeout=${FAIL_TIMEOUT:-10s};"
done
mkdir -p "$dir"
sed -e "s|@DIR@|$dir|g" -e "s|@LISTEN@|$listen|g" -e "s|@UPSTREAMS@|$ups|g" \
  "$here/nginx-test.conf" > "$dir/nginx.conf"
if [ -n "${TLS_LISTEN:-}" ]; then
  tls="$dir/tls.conf"
  {
    echo "listen $TLS_LISTEN ssl;"
    echo "ssl_certificate $TLS_CERT;"
    echo "ssl_certificate_key $TLS_KEY;"
    sed -n '/# BEGIN livechat tls/,/# END livechat tls/p' "$here/livechat.conf"
  } > "$tls"
  # Included right after the plain listen line, inside the same server block.
  sed -i "s|^\( *\)listen $listen;|&\n\1include $tls;|" "$dir/nginx.conf"
fi
echo "$dir/nginx.conf"
