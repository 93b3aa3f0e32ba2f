#!/usr/bin/env bash
# Sets up everything the tests need (Debian packages, .venv, Node packages) and runs the whole suite once per
# matrix, each a separate pytest run against its own local WordPress (MariaDB + PHP) on its own port:
#
#   A  Debian's WordPress + Yoast SEO 21.1   port $WP_PORT   (default 8081; the demo keeps 8080)
#   B  WordPress 7.1 + Yoast SEO 28.3         port $WP_PORT_B (default 8082)
#
# The WordPress and Yoast archives come from ../shared/wordpress (beside the repo; $WPSB_STACKS overrides),
# checked against its SHA256SUMS. Without that folder (a user's machine) B is skipped and A runs without Yoast,
# each said in one line. WPSB_MATRIX=A or B runs one matrix. Extra arguments go to every pytest run.
# Exit status: non-zero when scripts/lint.sh (ruff, mypy: first, in seconds) finds anything or any matrix fails.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bash scripts/setup.sh --with-tests
bash scripts/lint.sh  # seconds: a lint or type finding fails the run before the 20 minutes of matrices
export YOAST_JUDGE="${YOAST_JUDGE:-$PWD/tests/yoast-judge/run.sh}"
mkdir -p artifacts

stacks=${WPSB_STACKS:-$repo/../shared/wordpress}
want=${WPSB_MATRIX:-AB}
have_stacks=0
if [[ -f $stacks/SHA256SUMS ]]; then
  # A changed or truncated archive would test something else than what the README says.
  (cd "$stacks" && sha256sum --check --quiet --strict SHA256SUMS) ||
    { echo "test: $stacks does not match its SHA256SUMS" >&2; exit 1; }
  have_stacks=1
fi

summaries=()
status=0
passed=0 failed=0 skipped=0

# count WORD LINE: the number before WORD in pytest's closing line (0 when absent).
count() { { grep -oE "[0-9]+ $1" <<<"$2" || true; } | awk '{n += $1} END {print n + 0}'; }

# run_matrix NAME PORT WPSB_WP WPSB_YOAST [pytest args...]
run_matrix() {
  local name=$1 port=$2 core=$3 yoast=$4 log started rc last stack
  shift 4
  log=artifacts/pytest-matrix-$name.log
  started=$(date +%s)
  set +e
  # Each matrix in its own environment: its site's URL, accounts and stack never leak into the other run.
  (
    set -e
    export WP_PORT=$port WPSB_WP=$core WPSB_YOAST=$yoast PYTHONUNBUFFERED=1  # dots as they come, in the log too
    site_env=$(bash scripts/wordpress-local.sh start)
    eval "$site_env"
    yoast_says="no Yoast"; [[ -z $WP_YOAST_VERSION ]] || yoast_says="Yoast SEO $WP_YOAST_VERSION"
    echo "== matrix $name: WordPress $WP_CORE_VERSION + $yoast_says, port $port"
    .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
  ) 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  last=$(grep -E '^=* ?[0-9]+ (passed|failed|errors?|skipped)|no tests ran' "$log" | tail -1 | sed 's/=//g; s/^ *//; s/ *$//')
  stack=$(sed -n 's/^== matrix [AB]: //p' "$log" | head -1)
  summaries+=("matrix $name (${stack:-site did not start}): ${last:-no pytest summary, see $log}; exit $rc, $(($(date +%s) - started)) s in all")
  passed=$((passed + $(count passed "$last")))
  failed=$((failed + $(count failed "$last") + $(count 'errors?' "$last")))
  skipped=$((skipped + $(count skipped "$last")))
  [[ $rc -eq 0 ]] || status=$rc
}

if [[ $want == *A* ]]; then
  if [[ $have_stacks == 1 ]]; then
    run_matrix A "${WP_PORT:-8081}" debian "$stacks/yoast-seo-21.1.tar.gz" "$@"
  else
    echo "test: matrix A runs without Yoast SEO ($stacks is absent)"
    run_matrix A "${WP_PORT:-8081}" debian none "$@"
  fi
fi
if [[ $want == *B* ]]; then
  if [[ $have_stacks == 1 ]]; then
    run_matrix B "${WP_PORT_B:-8082}" "$stacks/wordpress-7.1.0.tar.gz" "$stacks/yoast-seo-28.3.tar.gz" "$@"
  else
    echo "test: matrix B (WordPress 7.1 + Yoast SEO 28.3) skipped: $stacks is absent"
  fi
fi

echo
[[ ${#summaries[@]} -eq 0 ]] || printf "%s\n" "${summaries[@]}"
echo "total: $passed passed, $failed failed, $skipped skipped"
exit $status
