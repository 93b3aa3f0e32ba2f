#!/usr/bin/env bash
# Installs what wp-seo-bridge and its tests need on Debian, as root, idempotently:
# Debian packages (WordPress, MariaDB, PHP, Node.js, Chromium for the browser tests), a virtualenv
# in .venv with the package and its test extras, and the Yoast judge's Node packages.
# Usage: scripts/setup.sh [--with-tests]
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=0
[ "${1:-}" = "--with-tests" ] && with_tests=1

debs=(wordpress wordpress-l10n mariadb-server php-cli php-mysql php-xml php-curl php-mbstring php-intl
      python3 python3-venv python3-pip ca-certificates curl)
[ "$with_tests" = 1 ] && debs+=(nodejs npm chromium fonts-liberation2)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere than Debian on some machines: a working node is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=($(printf '%s\n' "${missing[@]}" | grep -vx -e nodejs -e npm || true))
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Names that differ between Debian releases: the first one this archive has.
  for i in "${!missing[@]}"; do
    if [ "${missing[$i]}" = fonts-liberation2 ] && ! apt-cache show fonts-liberation2 >/dev/null 2>&1; then
      missing[$i]=fonts-liberation
    fi
  done
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

py=python3
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-12)-$with_tests
if [ ! -f "$stamp" ]; then
  extra=""; [ "$with_tests" = 1 ] && extra="[test]"
  # pip's build chatter goes to a log; it is shown only when the install fails.
  if ! .venv/bin/pip install -q -e ".$extra" >.venv/pip-install.log 2>&1; then
    cat .venv/pip-install.log >&2; exit 1
  fi
  touch "$stamp"
fi

if [ "$with_tests" = 1 ]; then
  # The Yoast judge (npm package yoastseo) is the oracle our SEO checks are compared with.
  judge_dir=tests/yoast-judge
  stamp_j="$(cat $judge_dir/package-lock.json $judge_dir/judge.mjs $judge_dir/lib/* | sha256sum | cut -c1-12)"
  export YOAST_JUDGE_CACHE="${YOAST_JUDGE_CACHE:-$HOME/.cache/yoast-judge-$stamp_j}"
  if [ ! -d "$YOAST_JUDGE_CACHE/node_modules/yoastseo" ]; then
    bash $judge_dir/run.sh $judge_dir/examples/good.json >/dev/null
  fi
fi
echo "setup: ok" >&2
