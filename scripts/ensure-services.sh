#!/usr/bin/env bash
# Make sure RabbitMQ and PostgreSQL answer on loopback (and that nginx and Chromium, which
# tests drive, are installed): install them with apt-get when they are missing, start them when they are stopped. Idempotent; quiet when all is well.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 what=$2
  for _ in $(seq 1 90); do
    port_open "$port" && return 0
    sleep 1
  done
  echo "ensure-services: $what did not open port $port" >&2
  return 1
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: $* missing and not root; install it or run as root" >&2
    exit 1
  fi
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rabbitmq() {
  port_open 5672 && return 0
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  echo "ensure-services: starting RabbitMQ"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_port 5672 RabbitMQ
  rabbitmqctl await_startup >/dev/null 2>&1 || true
}

ensure_postgres() {
  if ! port_open 5432; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    local conf="/etc/postgresql/$version/main"
    # A fresh Debian cluster asks for peer/password auth; the suite connects with trust on loopback.
    if ! grep -q "ekomunat-gateway" "$conf/pg_hba.conf"; then
      sed -i '1i # ekomunat-gateway: trust on loopback for the test suite\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$conf/pg_hba.conf"
    fi
    echo "ensure-services: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_port 5432 PostgreSQL
  fi
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" postgres \
    | grep -q 1 || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" postgres >/dev/null
}

# The deployment test checks the nginx site with `nginx -t`, and the fail-over drill balances
# its gateways through nginx.
ensure_nginx() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
}

# The dashboard's browser test drives Debian's Chromium through its driver (never a download).
ensure_chromium() {
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && return 0
  echo "ensure-services: installing chromium and chromium-driver"
  apt_install chromium chromium-driver
}

ensure_rabbitmq
ensure_postgres
ensure_nginx
ensure_chromium
