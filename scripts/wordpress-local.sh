#!/usr/bin/env bash
# A real, disposable WordPress for tests and demos: a WordPress core + MariaDB + `php -S`, no systemd.
#
#   scripts/wordpress-local.sh start|stop|restart|reset|status|env|destroy
#   scripts/wordpress-local.sh yoast on|off          # Yoast SEO (if the site has it) activated or deactivated
#   scripts/wordpress-local.sh xmlrpc on|off     # off: /xmlrpc.php answers HTTP 405, like hardened hosts
#   scripts/wordpress-local.sh xmlrpc no-multicall  # system.multicall answers a fault, like security plugins
#   scripts/wordpress-local.sh plugin on|off     # off: the companion plugin is deactivated
#   scripts/wordpress-local.sh option NAME [VALUE]
#
# One site per port (WP_PORT, default 8080): its own database, credentials, content dir (plugins, uploads),
# mail folder and switches, so two test runs on two ports do not reset each other. `start` and `env` print `export` lines on stdout
# (everything else goes to stderr):  eval "$(scripts/wordpress-local.sh start)"
# Runs as root. LOCAL TEST SITE ONLY: it relaxes application passwords over http and swallows e-mails.
#
# What a site runs (read by `start`; every other command uses what the site was started with):
#   WPSB_WP=debian                  Debian's `wordpress` package, /usr/share/wordpress (a new site's default)
#   WPSB_WP=/path/wordpress-X.tar.gz  an upstream release, unpacked once into $STATE_ROOT/cores/<sha256>/
#   WPSB_WP=/path/to/core-dir       a core tree (copied into the same cache unless it has Debian's wp-config.php)
#   WPSB_YOAST=/path/yoast-seo-X.tar.gz | none   Yoast SEO unpacked into the site's plugins and activated
# Unset: what the site ran last. A site is one stack: starting it with another core or Yoast archive drops
# its database and installs a fresh one (one line says so), so no site runs on another version's schema.
set -euo pipefail

PORT=${WP_PORT:-8080}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_ROOT=${WPSB_LOCAL_STATE:-/var/lib/wp-seo-bridge-local}
SITE_DIR=$STATE_ROOT/$PORT
CRED=$SITE_DIR/credentials.env
MAIL_DIR=$SITE_DIR/mail
PIDFILE=$SITE_DIR/php-server.pid
DEBIAN_CORE=/usr/share/wordpress
STACK=$SITE_DIR/stack.env   # what the site runs: core and Yoast (stack_wanted, record_stack)
CORE_CACHE=$STATE_ROOT/cores
YOAST_PLUGIN=wordpress-seo
WP_CORE=$DEBIAN_CORE  # until the stack is read (load_stack, or start's materialise_core)
HAS_YOAST=0
# Each site has its own content dir (plugins, mu-plugins, uploads): two checkouts or two sites on one machine
# never take the plugin link, the mail folder or the uploads from each other.
WP_CONTENT=$SITE_DIR/wp-content
PLUGIN_SRC=$REPO/wp_seo_bridge/plugin/wp-seo-bridge
SOCK=/run/mysqld/mysqld.sock
DB_NAME=wpsb_$PORT
DB_USER=wpsb_$PORT
CONFIG_NAME=wpsb-$PORT
CONFIG=/etc/wordpress/config-$CONFIG_NAME.php
PACKAGES=(wordpress mariadb-server php-cli php-mysql php-xml php-curl php-mbstring php-intl curl chromium chromium-driver)

say() { echo "wordpress-local[$PORT]: $*" >&2; }
die() { say "$*"; exit 1; }

[[ $PORT =~ ^[0-9]+$ ]] || die "WP_PORT must be a number, got '$PORT'"
[[ $(id -u) -eq 0 ]] || die "run as root (it starts MariaDB and writes /etc/wordpress)"

# --- packages --------------------------------------------------------------------------------------------

ensure_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # French translations are optional: installed when the archive has them, en_US otherwise.
    dpkg-query -W -f='${Status}' wordpress-l10n 2>/dev/null | grep -q "install ok installed" || missing+=(wordpress-l10n)
    [[ ${#missing[@]} -eq 0 ]] && return 0
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    local required=()
    for p in "${missing[@]}"; do [[ $p == wordpress-l10n ]] || required+=("$p"); done
    if [[ ${#required[@]} -gt 0 ]]; then
        apt-get install -y -qq --no-install-recommends "${required[@]}" >&2
    fi
    if [[ " ${missing[*]} " == *" wordpress-l10n "* ]]; then
        apt-get install -y -qq --no-install-recommends wordpress-l10n >&2 || say "wordpress-l10n unavailable: site in en_US"
    fi
}

# --- credentials (generated once per site, root-only) -----------------------------------------------------

gen_secret() { tr -dc 'A-Za-z0-9' </dev/urandom | head -c "${1:-24}" || true; }

ensure_credentials() {
    install -d -m 700 "$STATE_ROOT" "$SITE_DIR"
    install -d -m 700 "$MAIL_DIR"
    if [[ ! -s $CRED ]]; then
        umask 077
        cat >"$CRED" <<EOF
DB_PASSWORD=$(gen_secret 32)
WP_ADMIN_USER=admin
WP_ADMIN_PASSWORD=$(gen_secret)
WP_EDITOR_USER=editor
WP_EDITOR_PASSWORD=$(gen_secret)
WP_AUTHOR_USER=author
WP_AUTHOR_PASSWORD=$(gen_secret)
WP_SUBSCRIBER_USER=reader
WP_SUBSCRIBER_PASSWORD=$(gen_secret)
WP_BOT_USER=seobot
WP_BOT_PASSWORD=$(gen_secret)
EOF
    fi
    chmod 600 "$CRED"
    # shellcheck disable=SC1090
    source "$CRED"
}

print_exports() {
    # shellcheck disable=SC1090
    source "$CRED"
    local v
    echo "export WP_URL=http://127.0.0.1:$PORT"
    for v in WP_ADMIN_USER WP_ADMIN_PASSWORD WP_EDITOR_USER WP_EDITOR_PASSWORD WP_AUTHOR_USER WP_AUTHOR_PASSWORD \
        WP_SUBSCRIBER_USER WP_SUBSCRIBER_PASSWORD WP_BOT_USER WP_BOT_PASSWORD WP_BOT_APP_PASSWORD \
        WP_ADMIN_APP_PASSWORD; do
        [[ -n ${!v:-} ]] && echo "export $v=${!v}"
    done
    echo "export WP_MAIL_DIR=$MAIL_DIR"
    # What the site runs, for tests that depend on it (empty Yoast version: the site has none).
    load_stack
    echo "export WP_CORE_VERSION=$(core_var "$WP_CORE" wp_version)"
    echo "export WP_YOAST_VERSION=$(yoast_version)"
}

# --- the stack: which WordPress core, which Yoast ---------------------------------------------------------

sha_of() { sha256sum "$1" | cut -c1-16; }

# A variable of a core's wp-includes/version.php, e.g. core_var DIR wp_version → 7.1
core_var() { sed -n "s/^\$$2 = '\([^']*\)';.*/\1/p" "$1/wp-includes/version.php" | head -1; }

# What `start` is asked to run: WANT_WP / WANT_YOAST (normalised specs) and WANT_ID (changes when either
# changes). Unset variables keep what the site ran last. Reads no archive but to hash it.
stack_wanted() {
    local rec_wp=debian rec_yoast=none rec_id=debian+none wp yoast core_id yoast_id
    if [[ -s $STACK ]]; then
        # shellcheck disable=SC1090
        rec_wp=$(source "$STACK"; echo "$WPSB_WP") rec_yoast=$(source "$STACK"; echo "$WPSB_YOAST")
        rec_id=$(source "$STACK"; echo "$STACK_ID")
    fi
    wp=${WPSB_WP:-$rec_wp} yoast=${WPSB_YOAST:-$rec_yoast}
    # Unset keeps the recorded id as it is: the site goes on even if that archive has gone (it is unpacked).
    if [[ -z ${WPSB_WP:-} ]]; then
        core_id=${rec_id%%+*}
    elif [[ $wp == debian ]]; then
        core_id=debian
    else
        [[ -e $wp ]] || die "WPSB_WP: no such archive or core dir: $wp (or 'debian')"
        wp=$(realpath -e "$wp")
        if [[ -d $wp ]]; then
            [[ -f $wp/wp-settings.php ]] || die "WPSB_WP: $wp is not a WordPress core (no wp-settings.php)"
            # A tree can change under us: its key follows every file's size and time.
            core_id=dir-$( (echo "$wp"; cd "$wp" && find . -type f -printf '%P %s %T@\n' | LC_ALL=C sort) | sha256sum | cut -c1-16)
        else
            core_id=tar-$(sha_of "$wp")
        fi
    fi
    if [[ -z ${WPSB_YOAST:-} ]]; then
        yoast_id=${rec_id#*+}
    elif [[ $yoast == none ]]; then
        yoast_id=none
    else
        [[ -f $yoast ]] || die "WPSB_YOAST: no such archive: $yoast (or 'none')"
        yoast=$(realpath -e "$yoast")
        yoast_id=yoast-$(sha_of "$yoast")
    fi
    WANT_WP=$wp WANT_YOAST=$yoast WANT_ID=$core_id+$yoast_id
}

# The site's recorded stack (for every command but start): WP_CORE, HAS_YOAST.
load_stack() {
    WP_CORE=$DEBIAN_CORE STACK_ID="" HAS_YOAST=0
    if [[ -s $STACK ]]; then
        # shellcheck disable=SC1090
        source "$STACK"
        WP_CORE=$CORE_DIR
        [[ $WPSB_YOAST != none ]] && HAS_YOAST=1
    fi
    return 0
}

# Upstream core has no Debian wp-config.php: this one selects the site's config the same way (by
# $_SERVER['WORDPRESS_CONFIG'], which router.php and site.php set per port). Shared by every site of that core.
write_core_config() {
    cat >"$1/wp-config.php" <<'PHP'
<?php
// Written by scripts/wordpress-local.sh (LOCAL TEST SITES ONLY): like Debian's wp-config.php, loads the
// site's /etc/wordpress/config-<WORDPRESS_CONFIG>.php, set per port by scripts/wp/router.php and site.php.
$wpsb_site_config = isset( $_SERVER['WORDPRESS_CONFIG'] ) ? (string) $_SERVER['WORDPRESS_CONFIG'] : '';
if ( ! preg_match( '/^[a-zA-Z0-9-]+$/', $wpsb_site_config ) || ! is_file( "/etc/wordpress/config-$wpsb_site_config.php" ) ) {
	header( 'HTTP/1.0 404 Not Found' );
	echo "No local site config for this request (scripts/wordpress-local.sh start).\n";
	exit( 1 );
}
require_once "/etc/wordpress/config-$wpsb_site_config.php";
unset( $wpsb_site_config );
if ( ! isset( $table_prefix ) ) {
	$table_prefix = 'wp_';
}
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
PHP
}

# The core dir for WANT_WP, unpacked or copied into the cache once (under the start lock).
materialise_core() {
    local src=$WANT_WP key=${WANT_ID%%+*} dest tmp found
    if [[ $src == debian ]]; then
        [[ -f $DEBIAN_CORE/wp-settings.php ]] || die "$DEBIAN_CORE has no WordPress: is the wordpress package installed?"
        src=$DEBIAN_CORE key=debian-$(core_var "$DEBIAN_CORE" wp_version)
    fi
    if grep -qs WORDPRESS_CONFIG "$src/wp-config.php"; then
        echo "$src"; return 0   # Debian's wp-config.php selects per-site configs itself: served in place
    fi
    dest=$CORE_CACHE/$key
    if [[ ! -e $dest/.ready ]]; then
        say "unpacking $src into $dest (once)"
        install -d -m 755 "$CORE_CACHE"
        rm -rf "$dest"
        tmp=$(mktemp -d "$CORE_CACHE/.unpack.XXXXXX")
        if [[ -d $src ]]; then
            cp -a "$src/." "$tmp/"   # a tree without Debian's wp-config.php (a packaging that dropped it too)
        else
            tar -xf "$src" -C "$tmp" || { rm -rf "$tmp"; die "cannot unpack $src"; }
        fi
        found=$(find "$tmp" -maxdepth 3 -name wp-settings.php -printf '%h\n' | head -1)
        [[ -n $found ]] || { rm -rf "$tmp"; die "$src holds no WordPress core (no wp-settings.php)"; }
        rm -f "$found/wp-config.php"
        write_core_config "$found"
        install -d -m 755 "$dest"
        mv "$found" "$dest/wordpress"
        rm -rf "$tmp"
        touch "$dest/.ready"
    fi
    echo "$dest/wordpress"
}

# Yoast's files in the site's own plugins dir, replaced when the archive changes (or removed for none).
materialise_yoast() {
    local dir=$WP_CONTENT/plugins/$YOAST_PLUGIN mark tmp found
    mark=$(basename "${WANT_ID#*+}")
    if [[ $WANT_YOAST == none ]]; then rm -rf "$dir"; return 0; fi
    [[ $(cat "$dir/.wpsb-archive" 2>/dev/null) == "$mark" ]] && return 0
    say "unpacking $WANT_YOAST into the site's plugins"
    rm -rf "$dir"
    tmp=$(mktemp -d "$SITE_DIR/.yoast.XXXXXX")
    tar -xf "$WANT_YOAST" -C "$tmp" || { rm -rf "$tmp"; die "cannot unpack $WANT_YOAST"; }
    found=$(find "$tmp" -maxdepth 2 -name wp-seo.php -printf '%h\n' | head -1)
    [[ -n $found ]] || { rm -rf "$tmp"; die "$WANT_YOAST holds no Yoast SEO (no wp-seo.php)"; }
    mv "$found" "$dir"
    rm -rf "$tmp"
    echo "$mark" >"$dir/.wpsb-archive"
}

# Debian packs the core's default theme apart (wordpress-theme-<name>, a name that changes with each Debian
# release): without it every front-end page is blank. Upstream trees carry theirs.
ensure_default_theme() {
    local theme
    theme=$(sed -n "s/.*define( *'WP_DEFAULT_THEME', *'\([^']*\)'.*/\1/p" "$WP_CORE/wp-includes/default-constants.php" | head -1)
    [[ -n $theme && ! -d $(core_content_dir themes)/$theme ]] || return 0
    say "installing wordpress-theme-$theme (the core's default theme)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "wordpress-theme-$theme" >&2 ||
        say "wordpress-theme-$theme unavailable: the site's front end has no theme"
}

# The core's PHP needs; a clear line instead of a white page.
check_php() {
    local need have
    need=$(core_var "$WP_CORE" required_php_version)
    have=$(php -r 'echo PHP_VERSION;')
    php -r "exit(version_compare(PHP_VERSION, '${need:-0}', '>=') ? 0 : 1);" ||
        die "WordPress $(core_var "$WP_CORE" wp_version) needs PHP >= $need, this machine has $have"
    php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' || die "PHP $have has no mysqli: install php-mysql"
}

record_stack() {
    umask 077
    {
        printf 'WPSB_WP=%q\n' "$WANT_WP"
        printf 'WPSB_YOAST=%q\n' "$WANT_YOAST"
        printf 'CORE_DIR=%q\n' "$WP_CORE"
        printf 'STACK_ID=%q\n' "$WANT_ID"
    } >"$STACK.tmp"
    mv "$STACK.tmp" "$STACK"
}

yoast_version() {
    [[ $HAS_YOAST == 1 ]] || return 0
    sed -n "s/^define( 'WPSEO_VERSION', '\([^']*\)'.*/\1/p" "$WP_CONTENT/plugins/$YOAST_PLUGIN/wp-seo-main.php" 2>/dev/null
}

describe_stack() {
    local y="no Yoast"
    [[ $HAS_YOAST == 1 ]] && y="Yoast SEO $(yoast_version)"
    echo "WordPress $(core_var "$WP_CORE" wp_version) ($WP_CORE), $y"
}

# --- MariaDB ---------------------------------------------------------------------------------------------

db_up() { mariadb-admin --socket="$SOCK" --connect-timeout=2 ping >/dev/null 2>&1; }

ensure_mariadb() {
    db_up && return 0
    install -d -o mysql -g mysql -m 755 /run/mysqld
    if [[ ! -d /var/lib/mysql/mysql ]]; then
        say "initialising the MariaDB data directory"
        mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
            --auth-root-authentication-method=socket >"$STATE_ROOT/mariadb-install.log" 2>&1
    fi
    say "starting mariadbd"
    # Durability traded for speed: this database is disposable test data.
    setsid mariadbd --user=mysql --datadir=/var/lib/mysql --socket="$SOCK" --pid-file=/run/mysqld/mysqld.pid \
        --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
        >>"$STATE_ROOT/mariadbd.log" 2>&1 </dev/null 9>&- &  # 9>&-: the start lock is not inherited
    echo $! >"$STATE_ROOT/mariadbd.pid"
    local i
    for i in $(seq 1 150); do
        db_up && return 0
        sleep 0.2
    done
    die "mariadbd did not come up, see $STATE_ROOT/mariadbd.log"
}

ensure_database() {
    # Passwords go through stdin, never the command line.
    mariadb --socket="$SOCK" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
SQL
}

# --- WordPress configuration -----------------------------------------------------------------------------

write_config() {
    local salts=$SITE_DIR/salts.php k
    if [[ ! -s $salts ]]; then
        umask 077
        {
            echo "<?php"
            for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
                echo "define('$k', '$(gen_secret 64)');"
            done
        } >"$salts"
    fi
    umask 077
    cat >"$CONFIG.tmp" <<PHP
<?php
// Written by scripts/wordpress-local.sh: the LOCAL TEST SITE on port $PORT. Never use this for a real site.
define('DB_NAME', '$DB_NAME');
define('DB_USER', '$DB_USER');
define('DB_PASSWORD', '$DB_PASSWORD');
define('DB_HOST', 'localhost:$SOCK');
define('DB_CHARSET', 'utf8mb4');
require '$salts';
\$wpsb_host = (isset(\$_SERVER['HTTP_HOST']) && str_starts_with(\$_SERVER['HTTP_HOST'], 'localhost')) ? 'localhost' : '127.0.0.1';
define('WP_HOME', "http://\$wpsb_host:$PORT");
define('WP_SITEURL', "http://\$wpsb_host:$PORT");
define('WP_CONTENT_DIR', '$WP_CONTENT');
define('WP_CONTENT_URL', "http://\$wpsb_host:$PORT/wp-content");
define('WP_ENVIRONMENT_TYPE', 'local');
define('WPSB_LOCAL_MAIL_DIR', '$MAIL_DIR');
// WP_DEBUG stays off: WordPress 6.1 on PHP 8.2 floods deprecations. Errors and warnings still go to
// php-errors.log (php -d error_log), and are never displayed inside an XML-RPC answer.
define('DISABLE_WP_CRON', true);    // no self-requests: tests stay deterministic
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('FS_METHOD', 'direct');
PHP
    chmod 600 "$CONFIG.tmp"
    mv "$CONFIG.tmp" "$CONFIG"
    # Debian picks config-<host>.php from the Host header; the router selects ours per port, these two
    # make plain tools (and the default site) find the port-8080 site.
    if [[ $PORT == 8080 ]]; then
        local h
        for h in 127.0.0.1 localhost; do
            printf "<?php\n// Written by scripts/wordpress-local.sh (local test site).\nrequire '%s';\n" "$CONFIG" \
                >"/etc/wordpress/config-$h.php"
            chmod 600 "/etc/wordpress/config-$h.php"
        done
    fi
    install -d "$WP_CONTENT/mu-plugins" "$WP_CONTENT/plugins" "$WP_CONTENT/uploads"
    # Themes and translations are the core's, read-only; shared by every site.
    local shared
    for shared in themes languages; do
        [[ -L $WP_CONTENT/$shared || ! -e $WP_CONTENT/$shared ]] && ln -sfn "$(core_content_dir "$shared")" "$WP_CONTENT/$shared"
    done
    # The mu-plugin acts only on sites whose config defines WPSB_LOCAL_MAIL_DIR (ours).
    ln -sfn "$REPO/scripts/wp/wpsb-local-site.php" "$WP_CONTENT/mu-plugins/wpsb-local-site.php"
    # A symlink: plugin edits in the repo are live. Works from a read-only clone too.
    ln -sfn "$PLUGIN_SRC" "$WP_CONTENT/plugins/wp-seo-bridge"
}

# Runs scripts/wp/site.php with this site's config; secrets travel in the environment, not argv.
site_php() {
    install -d -m 700 "$STATE_ROOT/opcache"  # a file cache: halves the CLI chores' boot time
    WPSB_PORT=$PORT WPSB_CONFIG_NAME=$CONFIG_NAME WPSB_CRED_FILE=$CRED WPSB_CORE=$WP_CORE WPSB_HAS_YOAST=$HAS_YOAST \
        php -d memory_limit=256M -d opcache.enable_cli=1 -d opcache.file_cache="$STATE_ROOT/opcache" \
        -d opcache.file_cache_only=1 -d log_errors=1 -d error_log="$SITE_DIR/php-errors.log" "$REPO/scripts/wp/site.php" "$@"
}

# Where the core's own themes or languages live: Debian keeps translations in /var/lib/wordpress, an
# upstream tree in its wp-content/.
core_content_dir() {
    local d
    for d in "$WP_CORE/wp-content/$1" "/var/lib/wordpress/wp-content/$1"; do
        if [[ $1 != languages || -e $d/fr_FR.mo ]] && [[ -d $d ]]; then echo "$d"; return 0; fi
    done
    echo "$WP_CORE/wp-content/$1"
}

site_locale() {
    if [[ -e $(core_content_dir languages)/fr_FR.mo ]]; then
        echo fr_FR
    else
        echo en_US
    fi
}

# --- the web server --------------------------------------------------------------------------------------

server_pid() {
    local pid
    [[ -s $PIDFILE ]] || return 1
    pid=$(cat "$PIDFILE")
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

http_up() { curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/wp-includes/images/blank.gif"; }

start_server() {
    say "serving $(describe_stack) on http://127.0.0.1:$PORT"
    : >"$SITE_DIR/php-server.log"
    # Limits like a common shared host, so memory or time trouble shows up here and not in production.
    WPSB_PORT=$PORT WPSB_SITE_DIR=$SITE_DIR WPSB_CONFIG_NAME=$CONFIG_NAME PHP_CLI_SERVER_WORKERS=4 \
        WPSB_CORE=$WP_CORE WPSB_CONTENT=$WP_CONTENT \
        setsid php -d memory_limit=128M -d max_execution_time=60 -d display_errors=0 \
        -d log_errors=1 -d error_log="$SITE_DIR/php-errors.log" \
        -S "127.0.0.1:$PORT" -t "$WP_CORE" "$REPO/scripts/wp/router.php" \
        >>"$SITE_DIR/php-server.log" 2>&1 </dev/null 9>&- &  # a server that kept fd 9 would hold the
    echo $! >"$PIDFILE"                                    # start lock: every later cold start would hang
    local i
    for i in $(seq 1 100); do
        http_up 2>/dev/null && return 0
        sleep 0.1
    done
    die "php -S did not answer on port $PORT, see $SITE_DIR/php-server.log"
}

stop_server() {
    local pid i
    pid=$(server_pid) || { rm -f "$PIDFILE"; return 0; }
    # setsid made php the leader of its own group: this also ends PHP_CLI_SERVER_WORKERS children.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
}

other_sites_running() {
    local f
    for f in "$STATE_ROOT"/*/php-server.pid; do
        [[ -e $f && $f != "$PIDFILE" ]] || continue
        kill -0 "$(cat "$f")" 2>/dev/null && return 0
    done
    return 1
}

# --- commands --------------------------------------------------------------------------------------------

# The running server and the site's plugin link belong to this checkout: another clone's running site on
# this port would serve that clone's plugin and router.
serves_this_checkout() {
    local pid
    pid=$(server_pid) || return 1
    [[ $(readlink "$WP_CONTENT/plugins/wp-seo-bridge" 2>/dev/null) == "$PLUGIN_SRC" ]] &&
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$REPO/scripts/wp/router.php"
}

# The site's database, app passwords, uploads and mails go: the next install starts from nothing.
forget_site_data() {
    if db_up; then mariadb --socket="$SOCK" -uroot -e "DROP DATABASE IF EXISTS \`$DB_NAME\`;"; fi
    if [[ -s $CRED ]]; then sed -i '/_APP_PASSWORD=/d' "$CRED"; fi
    rm -rf "$WP_CONTENT/uploads" "$SITE_DIR/xmlrpc-off" "$SITE_DIR/multicall-off"
    rm -f "$MAIL_DIR"/*.json
}

cmd_start() {
    local recorded=""
    stack_wanted
    [[ -s $STACK ]] && recorded=$(source "$STACK"; echo "$STACK_ID")
    if [[ -s $CRED && $recorded == "$WANT_ID" ]] && serves_this_checkout && http_up 2>/dev/null; then
        print_exports   # already up: change nothing
        return 0
    fi
    # One cold start at a time on this machine: apt, mariadbd and installs must not race.
    install -d -m 700 "$STATE_ROOT"
    exec 9>"$STATE_ROOT/.start.lock"
    flock 9
    ensure_packages
    ensure_credentials
    ensure_mariadb
    WP_CORE=$(materialise_core)
    check_php
    ensure_default_theme
    if [[ -n $recorded && $recorded != "$WANT_ID" ]]; then
        say "the site changes stack ($recorded -> $WANT_ID): its database is dropped and installed anew"
        stop_server
        forget_site_data
        # shellcheck disable=SC1090
        source "$CRED"
    fi
    ensure_database
    write_config
    materialise_yoast
    HAS_YOAST=0; [[ $WANT_YOAST != none ]] && HAS_YOAST=1
    site_php install "$(site_locale)" >>"$CRED.new"
    # install prints the application passwords it created (once); keep them with the other secrets.
    if [[ -s $CRED.new ]]; then cat "$CRED.new" >>"$CRED"; fi
    rm -f "$CRED.new"
    rm -f "$MAIL_DIR"/*.json   # the installer's own notification
    record_stack
    stop_server
    start_server
    say "ready ($(site_locale), plugin $(site_php plugin-status))"
    print_exports
}

cmd_stop() {
    stop_server
    if ! other_sites_running && [[ -s $STATE_ROOT/mariadbd.pid ]] && kill -0 "$(cat "$STATE_ROOT/mariadbd.pid")" 2>/dev/null; then
        say "stopping mariadbd"
        mariadb-admin --socket="$SOCK" shutdown 2>/dev/null || kill -TERM "$(cat "$STATE_ROOT/mariadbd.pid")"
        rm -f "$STATE_ROOT/mariadbd.pid"
    fi
    say "stopped"
}

require_site() {
    [[ -s $CRED ]] || die "no site on port $PORT yet: run start first"
    load_stack
    # shellcheck disable=SC1090
    source "$CRED"
    db_up || die "MariaDB is down: run start"
}

cmd_reset() {
    require_site
    site_php reset
    rm -f "$MAIL_DIR"/*.json "$SITE_DIR/xmlrpc-off" "$SITE_DIR/multicall-off"
    local y=""; [[ $HAS_YOAST == 1 ]] && y=", Yoast on"
    say "reset: no posts, no tags, no mails, default plugin options, plugin on$y, XML-RPC on"
}

cmd_status() {
    local pid
    if pid=$(server_pid) && http_up 2>/dev/null; then
        echo "site:     http://127.0.0.1:$PORT (php -S pid $pid, log $SITE_DIR/php-server.log)"
    else
        echo "site:     down on port $PORT"
        return 3
    fi
    load_stack
    echo "stack:    $(describe_stack)"
    db_up && echo "mariadb:  up" || echo "mariadb:  down"
    if [[ -e $SITE_DIR/xmlrpc-off ]]; then echo "xmlrpc:   off (HTTP 405)"
    elif [[ -e $SITE_DIR/multicall-off ]]; then echo "xmlrpc:   on, system.multicall blocked"
    else echo "xmlrpc:   on"; fi
    # shellcheck disable=SC1090
    source "$CRED"
    echo "plugin:   $(site_php plugin-status)"
    [[ $HAS_YOAST == 1 ]] && echo "yoast:    $(site_php yoast-status)"
    echo "mail dir: $MAIL_DIR ($(find "$MAIL_DIR" -name '*.json' | wc -l) captured)"
}

# Forgets the site entirely (database, credentials, config): the next start installs a fresh one.
cmd_destroy() {
    stop_server
    if db_up; then
        mariadb --socket="$SOCK" -uroot -e "DROP DATABASE IF EXISTS \`$DB_NAME\`; DROP USER IF EXISTS '$DB_USER'@'localhost';"
    fi
    rm -rf "$SITE_DIR" "$CONFIG"
    if [[ $PORT == 8080 ]]; then rm -f /etc/wordpress/config-127.0.0.1.php /etc/wordpress/config-localhost.php; fi
    say "destroyed"
}

cmd_xmlrpc() {
    require_site
    case ${1:-} in
        off) touch "$SITE_DIR/xmlrpc-off" ;;
        on) rm -f "$SITE_DIR/xmlrpc-off" "$SITE_DIR/multicall-off" ;;
        no-multicall) rm -f "$SITE_DIR/xmlrpc-off"; touch "$SITE_DIR/multicall-off" ;;
        *) die "usage: xmlrpc on|off|no-multicall" ;;
    esac
    say "xmlrpc $1"
}

cmd_plugin() {
    require_site
    case ${1:-} in
        on | off) site_php "plugin-$1" ;;
        *) die "usage: plugin on|off" ;;
    esac
    say "plugin $(site_php plugin-status)"
}

cmd_yoast() {
    require_site
    [[ $HAS_YOAST == 1 ]] || die "this site has no Yoast SEO: start it with WPSB_YOAST=/path/to/yoast-seo-X.tar.gz"
    case ${1:-} in
        on | off) site_php "yoast-$1" ;;
        *) die "usage: yoast on|off" ;;
    esac
    say "yoast $(site_php yoast-status)"
}

cmd_option() {
    require_site
    [[ $# -ge 1 ]] || die "usage: option NAME [VALUE]"
    site_php option "$@"
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) stop_server; cmd_start ;;
    destroy) cmd_destroy ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    env) require_site; print_exports ;;
    xmlrpc) shift; cmd_xmlrpc "$@" ;;
    plugin) shift; cmd_plugin "$@" ;;
    yoast) shift; cmd_yoast "$@" ;;
    option) shift; cmd_option "$@" ;;
    post-age|post-meta) require_site; site_php "$@" ;;
    *) die "usage: $0 start|stop|restart|reset|status|env|destroy|xmlrpc on|off|no-multicall|plugin on|off|yoast on|off|option NAME [VALUE]|post-age ID DAYS|post-meta ID KEY VALUE" ;;
esac
