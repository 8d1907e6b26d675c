#!/usr/bin/env bash
# Pins down: psycopg2 built here from its sdist against Debian's libpq and repaired by ferry gives auditwheel
# 6.8.2's file name, WHEEL tags and grafted files (libpq and its Kerberos/LDAP/TLS closure); both repaired wheels
# install into fresh venvs, report the libpq version and fail a connection to a missing socket with
# OperationalError (not ImportError) with the system copies hidden, where the unrepaired wheel cannot import.
# Oracles: auditwheel repair, the import itself. The first run compiles psycopg2; the wheel is cached.
# timeout: 1200
source "$(dirname "$0")/../common.sh"
source "$SRC/tests/lib/sdist.sh"
[ -x /usr/bin/pg_config ] || skip "libpq-dev is not installed"
MUST_GRAFT=libpq
sdist_repair_case psycopg2 psycopg2 '
import psycopg2, psycopg2.extensions as ext
v = ext.libpq_version()
assert v >= 150000 and psycopg2.__libpq_version__ >= 150000, (v, psycopg2.__libpq_version__)
try:
    psycopg2.connect(host="/nonexistent-ferry-socket-dir", dbname="x", connect_timeout=3)
except psycopg2.OperationalError as e:
    print("ok libpq", v, "built against", psycopg2.__libpq_version__, "connect:", str(e).strip().splitlines()[0])
else:
    raise SystemExit("connected to a socket that does not exist")
'
