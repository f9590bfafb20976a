#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 with trust auth and a database "test",
# as on the CI machine. Does nothing when something already answers there.
# Installs and starts Debian's PostgreSQL otherwise (as root; test machines only: it sets trust auth).
set -euo pipefail
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "pg-up: nothing answers on 127.0.0.1:5432 and this is not root. Start PostgreSQL with trust auth for" >&2
  echo "       127.0.0.1 and a database 'test', or set DATAMER_TEST_PG_URL=postgres://user:pass@host:port/db" >&2
  exit 1
fi
if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
V=$(ls /etc/postgresql | sort -V | tail -1)
HBA=/etc/postgresql/$V/main/pg_hba.conf
sed -i -E 's/^(local|host)(\s+.*\s)(peer|scram-sha-256|md5)\s*$/\1\2trust/' "$HBA"
pg_ctlcluster --skip-systemctl-redirect "$V" main start
until pg_isready -q -h 127.0.0.1 -p 5432; do sleep 0.1; done
psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='test'" | grep -q 1 ||
  psql -h 127.0.0.1 -U postgres -qc "create database test"
echo "pg-up: PostgreSQL $V started on 127.0.0.1:5432"
