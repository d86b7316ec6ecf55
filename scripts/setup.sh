#!/usr/bin/env bash
# Installs whatever this project needs from Debian 12 that is missing, then configures and builds
# the release preset. `--test` adds what only the test suite needs (nginx and promtool for the
# deploy/ checks and fault tests, Chromium for the web client, aiosmtpd for the email tests,
# clamd for the upload scan tests,
# clang-format and clang-tidy for the style checks, clang and its libFuzzer runtime for the fuzz
# targets). Safe to run again: it only adds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# postgresql-15 is the server the embedded system of record runs (initdb, postgres; pg_trgm ships
# in it, no -contrib needed on 15); libpq-dev is its client library and pg_config.
packages=(g++ cmake ninja-build pkg-config ccache libboost1.81-dev libhiredis-dev redis-server
  libprotobuf-dev protobuf-compiler libspdlog-dev libgtest-dev libssl-dev libpq-dev postgresql-15
  # Departments' business hours read their zones from /usr/share/zoneinfo at run time.
  tzdata
  # Webhooks are posted and email is sent with libcurl (HTTP and SMTP, on threads of their own,
  # never on the event loop).
  libcurl4-openssl-dev)
# The web client builds with node (>= 20.19 for Vite 7; the machine image ships node 20).
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "${1:-}" = "--test" ]; then
  packages+=(nginx libnginx-mod-nchan python3 python3-yaml prometheus chromium clang-format
    clang-tidy clang libclang-rt-14-dev openssl
    # The email tests' SMTP server (tests/support/smtp_receiver.py, run by /usr/bin/python3).
    python3-aiosmtpd
    # The upload scan tests' clamd (tests/support/clamd_fixture: a signature of its own, no
    # downloaded databases).
    clamav-daemon)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  # Packages such as redis-server, postgresql-15, nginx and prometheus would start system-wide
  # daemons on install (invoke-rc.d asks policy-rc.d first); the project runs its own private
  # instances, so keep the system ones stopped.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    added_policy=1
  fi
  # Debian's postgresql-15 would also create a system cluster (15/main, port 5432) on install; the
  # project initdb's its own, so on a machine with no cluster yet ask postgresql-common not to.
  # A drop-in rather than an edit of createcluster.conf (a conffile): Debian 12's includes
  # createcluster.d/, and pg_conftool, which the postinst asks, follows that include.
  if [[ " ${missing[*]} " == *" postgresql-15 "* ]] &&
    ! compgen -G '/etc/postgresql/*/*/postgresql.conf' >/dev/null; then
    "${sudo_cmd[@]}" mkdir -p /etc/postgresql-common/createcluster.d
    printf '# livechat (scripts/setup.sh): no system cluster; the server runs its own.\n%s\n' \
      'create_main_cluster = false' |
      "${sudo_cmd[@]}" tee /etc/postgresql-common/createcluster.d/livechat.conf >/dev/null
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  [ "$added_policy" = 0 ] || "${sudo_cmd[@]}" rm -f "$policy"
fi
# Search needs trigram indexes; a PostgreSQL without them would fail late, so say it here.
pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
if [ -z "$pg_version" ] || [ ! -e "/usr/share/postgresql/$pg_version/extension/pg_trgm.control" ]; then
  echo "setup: warning: no PostgreSQL server with pg_trgm under /usr/lib/postgresql" >&2
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
./client-web/scripts/build.sh
