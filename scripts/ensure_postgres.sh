#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed for the Postgres
# engine test (tests/test_postgres_engine.py), from Debian's `postgresql` package.
# Idempotent and quiet: does nothing when they are there; installs them with apt-get only when
# missing and this user may (root, or passwordless sudo). Never fails the caller: without the
# binaries the Postgres test skips and says why. The package's own cluster is not used (the test
# starts a throw-away server in a temp folder), so it is stopped if the package started one.
set -uo pipefail

find_initdb() {
    if command -v initdb >/dev/null 2>&1; then command -v initdb; return 0; fi
    for candidate in /usr/lib/postgresql/*/bin/initdb; do
        if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
    done
    return 1
}

if found=$(find_initdb); then
    echo "postgresql: $found"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "postgresql: not installed and apt-get is not available; the Postgres engine test will skip" >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "postgresql: not installed and this user cannot run apt-get (not root, no sudo);" \
        "the Postgres engine test will skip. Install it with: sudo apt-get install -y postgresql" >&2
    exit 0
fi

echo "postgresql: installing Debian's postgresql package (once) ..."
export DEBIAN_FRONTEND=noninteractive
if "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq postgresql >/dev/null; then
    # the package may start its own cluster on port 5432; the tests never use it
    if command -v service >/dev/null 2>&1; then "${as_root[@]}" service postgresql stop >/dev/null 2>&1 || true; fi
    echo "postgresql: $(find_initdb || echo 'installed, but initdb not found')"
else
    echo "postgresql: apt-get could not install postgresql; the Postgres engine test will skip" >&2
fi
exit 0
