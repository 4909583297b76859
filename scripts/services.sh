#!/usr/bin/env bash
# Installs (from Debian's packages) and starts Redis and PostgreSQL (with TLS on) on loopback when
# they are not already answering. Idempotent. URLs: XAO_REDIS_URL (redis://127.0.0.1:6379) and
# XAO_POSTGRES_URL (postgres://xao:xao@127.0.0.1:5432/xao).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

redis_port=${XAO_REDIS_PORT:-6379}
pg_port=${XAO_POSTGRES_PORT:-5432}
state=${XAO_SERVICES_DIR:-$HOME/.cache/xero-access-operator/services}
mkdir -p "$state"

# --- Redis -------------------------------------------------------------------------------------
command -v redis-server >/dev/null || apt_install redis-server
if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
  note "redis: answering on 127.0.0.1:$redis_port"
else
  step "starting redis on 127.0.0.1:$redis_port"
  mkdir -p "$state/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
    --dir "$state/redis" --logfile "$state/redis/redis.log" --pidfile "$state/redis/redis.pid"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$redis_port" ping >/dev/null || die "redis did not start; see $state/redis/redis.log"
fi

# --- PostgreSQL --------------------------------------------------------------------------------
command -v pg_lsclusters >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || apt_install postgresql
pg_ready() { pg_isready -h 127.0.0.1 -p "$pg_port" -q; }
if pg_ready; then
  note "postgresql: answering on 127.0.0.1:$pg_port"
else
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    step "creating PostgreSQL $version cluster 'main'"
    pg_createcluster "$version" main -p "$pg_port" >&2
  fi
  step "starting PostgreSQL $version on 127.0.0.1:$pg_port"
  pg_ctlcluster "$version" main start
  for _ in $(seq 100); do pg_ready && break; sleep 0.1; done
  pg_ready || die "postgresql did not start; see /var/log/postgresql/"
fi
# The test role may create databases (one per test file). Loopback only, password auth.
# pg_signal_backend: a test file drops its database WITH (FORCE), which must also end an
# autovacuum worker that happens to be in it; that worker has no role, so without this grant
# PostgreSQL refuses ("must be a member of the role whose process is being terminated").
# CREATEROLE: a test creates the chart README's two database users (schema owner, data-only app
# user) under names of its own and drops them after (packages/model, data-role-grants.int.test.ts).
pg_role_ready() {
  [ "$(PGPASSWORD=xao psql -h 127.0.0.1 -p "$pg_port" -U xao -d xao -tAc \
    "select pg_has_role('pg_signal_backend', 'MEMBER') and rolcreaterole from pg_roles where rolname = current_user" 2>/dev/null)" = t ]
}
if ! pg_role_ready; then
  step "creating PostgreSQL role and database 'xao'"
  runuser -u postgres -- psql -p "$pg_port" -v ON_ERROR_STOP=1 -q <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'xao') THEN
    CREATE ROLE xao LOGIN PASSWORD 'xao' CREATEDB;
  END IF;
END $$;
ALTER ROLE xao CREATEROLE;
GRANT pg_signal_backend TO xao;
SELECT 'CREATE DATABASE xao OWNER xao' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'xao')\gexec
SQL
fi
# TLS: the tests check that DATABASE_URL's sslmode is honoured. Debian's clusters start with ssl on
# (its snakeoil certificate); any other gets a self-signed one, generated once in its data folder.
pg_ssl_on() {
  [ "$(PGPASSWORD=xao psql -h 127.0.0.1 -p "$pg_port" -U xao -d xao -tAc 'show ssl' 2>/dev/null)" = on ]
}
if ! pg_ssl_on; then
  step "turning on TLS in PostgreSQL with a self-signed certificate"
  data=$(runuser -u postgres -- psql -p "$pg_port" -tAc 'show data_directory')
  if [ ! -s "$data/xao-server.key" ]; then
    runuser -u postgres -- openssl req -new -x509 -nodes -days 3650 -subj /CN=localhost \
      -keyout "$data/xao-server.key" -out "$data/xao-server.crt" 2>/dev/null
    chmod 600 "$data/xao-server.key"
  fi
  runuser -u postgres -- psql -p "$pg_port" -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
ALTER SYSTEM SET ssl_cert_file = '$data/xao-server.crt';
ALTER SYSTEM SET ssl_key_file = '$data/xao-server.key';
ALTER SYSTEM SET ssl = on;
SELECT pg_reload_conf();
SQL
  for _ in $(seq 50); do pg_ssl_on && break; sleep 0.1; done
  pg_ssl_on || die "postgresql did not turn TLS on; see /var/log/postgresql/"
fi
note "postgresql: postgres://xao:***@127.0.0.1:$pg_port/xao"
