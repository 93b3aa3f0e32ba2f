#!/usr/bin/env bash
# Sets up everything the tests need (Debian packages, .venv, Node packages), starts the local
# WordPress (MariaDB + PHP) and runs the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-tests
export WP_PORT=${WP_PORT:-8081}  # the demo keeps 8080; the tests reset their own site
eval "$(bash scripts/wordpress-local.sh start)"
export YOAST_JUDGE="${YOAST_JUDGE:-$PWD/tests/yoast-judge/run.sh}"
mkdir -p artifacts
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
