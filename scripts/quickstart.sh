#!/usr/bin/env bash
# The main job on a fresh Debian machine, as root: installs what is missing, starts a local WordPress
# (127.0.0.1:8080, or $WP_PORT), creates the demo drafts (the seed article among them) and runs one sync.
# Without MISTRAL_API_KEY it runs OFFLINE against the local Mistral stand-in (hand-written fixtures).
# Running it again changes nothing: the drafts are Pending Review by then.
set -euo pipefail
cd "$(dirname "$0")/.."
export WP_PORT=${WP_PORT:-8080}
bash scripts/setup.sh
eval "$(bash scripts/wordpress-local.sh start)"
bash scripts/wordpress-local.sh option wp_seo_bridge_sync_enabled 1 >/dev/null

if [ -z "${MISTRAL_API_KEY:-}" ]; then
  port=${STANDIN_PORT:-8765}
  echo "== OFFLINE DEMO: no MISTRAL_API_KEY, so Mistral is replaced by the local stand-in on port $port"
  echo "== (it answers with hand-written test fixtures; set MISTRAL_API_KEY to use the real API)"
  .venv/bin/wp-seo-bridge standin --port "$port" 2>/dev/null &
  standin=$!
  trap 'kill $standin 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/models" 2>/dev/null && break
    sleep 0.1
  done
  export MISTRAL_SERVER_URL="http://127.0.0.1:$port" MISTRAL_API_KEY="offline-stand-in"
fi

# config/demo.toml names the default site: the sync gets a copy aimed at the site just started (and a state
# dir of its own, so demos on two ports never share a job log).
demo_config=var/demo-$WP_PORT.toml
mkdir -p var
sed -e "s|^url = \"http://127.0.0.1:8080\".*|url = \"$WP_URL\"|" \
    -e "s|^state_dir = \"var/demo\".*|state_dir = \"var/demo-$WP_PORT\"|" config/demo.toml >"$demo_config"
grep -qxF "url = \"$WP_URL\"" "$demo_config" || { echo "quickstart: $demo_config does not target $WP_URL" >&2; exit 1; }

.venv/bin/python scripts/demo.py
status=0
.venv/bin/wp-seo-bridge --config "$demo_config" sync --once || status=$?

cat <<MSG

Pending Review posts: $WP_URL/wp-admin/edit.php?post_status=pending&post_type=post
Log in at $WP_URL/wp-login.php as editor '$WP_EDITOR_USER' with password '$WP_EDITOR_PASSWORD'
(all local accounts: bash scripts/wordpress-local.sh env)
MSG
exit $status
