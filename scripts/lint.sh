#!/usr/bin/env bash
# The checks that take seconds, run first by scripts/test.sh and by the unit tests (tests/unit/test_lint.py):
#   ruff  lint and import order over the package, the tests and the scripts (pyproject.toml [tool.ruff])
#   mypy  types of the pure stages and what they share (pyproject.toml [tool.mypy])
# Exit status: non-zero on any finding. `scripts/lint.sh --fix` first lets ruff fix what it can (import order).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/ruff || ! -x .venv/bin/mypy ]]; then
  bash scripts/setup.sh --with-tests
fi
fix=()
[[ ${1:-} == --fix ]] && fix=(--fix)
.venv/bin/ruff check --quiet "${fix[@]}" . || { echo "lint: ruff found the above (scripts/lint.sh --fix sorts imports)" >&2; exit 1; }
.venv/bin/mypy --no-error-summary || { echo "lint: mypy found the above" >&2; exit 1; }
echo "lint: ok (ruff, mypy)"
