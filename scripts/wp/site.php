<?php
/**
 * Site chores for scripts/wordpress-local.sh, run with php-cli (LOCAL TEST SITE ONLY).
 *
 *   site.php install LOCALE | reset | plugin-on | plugin-off | plugin-status | yoast-on | yoast-off | yoast-status
 *            | option NAME [VALUE]
 *
 * Environment: WPSB_PORT, WPSB_CONFIG_NAME, WPSB_CORE, WPSB_CRED_FILE (KEY=VALUE lines; secrets never in argv),
 * WPSB_HAS_YOAST (1: the site's stack has Yoast SEO, which install and reset then activate).
 * `install` prints KEY=VALUE lines for application passwords it created, for the credentials file.
 */

const WPSB_PLUGIN = 'wp-seo-bridge/wp-seo-bridge.php';
const WPSB_YOAST  = 'wordpress-seo/wp-seo.php';

$wpsb_cmd  = $argv[1] ?? '';
$wpsb_port = (string) getenv( 'WPSB_PORT' );

// What a web request would carry: Debian's wp-config.php picks the site config from these.
$_SERVER['HTTP_HOST']        = "127.0.0.1:$wpsb_port";
$_SERVER['SERVER_NAME']      = '127.0.0.1';
$_SERVER['SERVER_PORT']      = $wpsb_port;
$_SERVER['REQUEST_URI']      = '/';
$_SERVER['REQUEST_METHOD']   = 'GET';
$_SERVER['WORDPRESS_CONFIG'] = (string) getenv( 'WPSB_CONFIG_NAME' );

if ( 'install' === $wpsb_cmd ) {
	define( 'WP_INSTALLING', true );  // lets wp-load.php boot on an empty database
}
require getenv( 'WPSB_CORE' ) . '/wp-load.php';

function wpsb_cli_credentials(): array {
	$creds = array();
	foreach ( file( (string) getenv( 'WPSB_CRED_FILE' ), FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES ) as $line ) {
		[ $key, $value ] = array_pad( explode( '=', $line, 2 ), 2, '' );
		$creds[ trim( $key ) ] = trim( $value );
	}
	return $creds;
}

function wpsb_cli_fail( string $message ): void {
	fwrite( STDERR, "site.php: $message\n" );
	exit( 1 );
}

function wpsb_cli_plugin_on(): void {
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	wp_cache_delete( 'plugins', 'plugins' );
	if ( ! is_plugin_active( WPSB_PLUGIN ) ) {
		$result = activate_plugin( WPSB_PLUGIN );
		if ( is_wp_error( $result ) ) {
			wpsb_cli_fail( 'cannot activate the plugin: ' . $result->get_error_message() );
		}
	}
}

function wpsb_cli_plugin_off(): void {
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	deactivate_plugins( WPSB_PLUGIN, true );
}

function wpsb_cli_yoast_on(): void {
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	if ( ! is_file( WP_PLUGIN_DIR . '/' . WPSB_YOAST ) ) {
		wpsb_cli_fail( 'this site has no Yoast SEO: start it with WPSB_YOAST=/path/to/yoast-seo-X.tar.gz' );
	}
	wp_cache_delete( 'plugins', 'plugins' );
	if ( ! is_plugin_active( WPSB_YOAST ) ) {
		$result = activate_plugin( WPSB_YOAST );  // its activation hook runs, as from the Plugins screen
		if ( is_wp_error( $result ) ) {
			wpsb_cli_fail( 'cannot activate Yoast SEO: ' . $result->get_error_message() );
		}
	}
	// Activation sends an administrator once to Yoast's welcome page: post.php would answer 302 instead
	// of the editor. Visiting once clears it; so does this.
	if ( class_exists( 'WPSEO_Options' ) && WPSEO_Options::get( 'should_redirect_after_install_free', false ) ) {
		WPSEO_Options::set( 'should_redirect_after_install_free', false );
	}
}

function wpsb_cli_yoast_off(): void {
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	deactivate_plugins( WPSB_YOAST );  // not silent: Yoast's deactivation hook runs, as from the Plugins screen
}

function wpsb_cli_has_yoast(): bool {
	return '1' === getenv( 'WPSB_HAS_YOAST' );
}

/** Users with known passwords and roles; a changed role or password is put back. */
function wpsb_cli_users( array $creds ): void {
	$users = array(
		'ADMIN'      => 'administrator',
		'EDITOR'     => 'editor',
		'AUTHOR'     => 'author',
		'SUBSCRIBER' => 'subscriber',
		'BOT'        => 'seo_bridge_bot',
	);
	foreach ( $users as $who => $role ) {
		$login = $creds[ "WP_{$who}_USER" ];
		$pass  = $creds[ "WP_{$who}_PASSWORD" ];
		$user  = get_user_by( 'login', $login );
		if ( ! $user ) {
			$id = wp_insert_user(
				array(
					'user_login'   => $login,
					'user_pass'    => $pass,
					'user_email'   => "$login@example.test",
					'display_name' => ucfirst( $login ),
					'role'         => $role,
				)
			);
			if ( is_wp_error( $id ) ) {
				wpsb_cli_fail( "cannot create $login: " . $id->get_error_message() );
			}
			continue;
		}
		if ( ! wp_check_password( $pass, $user->user_pass, $user->ID ) ) {
			wp_set_password( $pass, $user->ID );
		}
		if ( array( $role ) !== array_values( $user->roles ) ) {
			$user->set_role( $role );
		}
	}
}

/** One application password per API account, created once (REST needs them; XML-RPC accepts them). */
function wpsb_cli_app_passwords( array $creds ): void {
	foreach ( array( 'ADMIN', 'BOT' ) as $who ) {
		$key = "WP_{$who}_APP_PASSWORD";
		if ( ! empty( $creds[ $key ] ) ) {
			continue;
		}
		$user = get_user_by( 'login', $creds[ "WP_{$who}_USER" ] );
		foreach ( WP_Application_Passwords::get_user_application_passwords( $user->ID ) as $item ) {
			if ( 'wpsb-local' === $item['name'] ) {  // plain text lost: replace it
				WP_Application_Passwords::delete_application_password( $user->ID, $item['uuid'] );
			}
		}
		$created = WP_Application_Passwords::create_new_application_password( $user->ID, array( 'name' => 'wpsb-local' ) );
		if ( is_wp_error( $created ) ) {
			wpsb_cli_fail( 'cannot create an application password: ' . $created->get_error_message() );
		}
		echo "$key={$created[0]}\n";
	}
}

function wpsb_cli_install( string $locale ): void {
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$creds = wpsb_cli_credentials();
	if ( ! is_blog_installed() ) {
		$language = 'en_US' === $locale ? '' : $locale;
		// As wp-admin/install.php does, so default names (category...) come out in the site's language.
		if ( $language && load_default_textdomain( $language ) ) {
			$GLOBALS['wp_locale'] = new WP_Locale();
		}
		$result   = wp_install( 'Site local SEO Bridge', $creds['WP_ADMIN_USER'], 'admin@example.test', false, '', $creds['WP_ADMIN_PASSWORD'], $language );
		if ( empty( $result['user_id'] ) ) {
			wpsb_cli_fail( 'wp_install failed' );
		}
		update_option( 'permalink_structure', '/%postname%/' );
		update_option( 'timezone_string', 'Europe/Paris' );
		// The sample post, page and privacy draft would leak into every draft listing.
		wpsb_cli_delete_content();
	} elseif ( (int) get_option( 'db_version' ) !== (int) $GLOBALS['wp_db_version'] ) {
		wp_upgrade();  // the core was updated under an existing site (a Debian package upgrade)
	}
	wpsb_cli_plugin_on();
	if ( wpsb_cli_has_yoast() ) {
		wpsb_cli_yoast_on();
	}
	if ( ! get_role( 'seo_bridge_bot' ) ) {  // active but role gone: plugins are not loaded while installing
		require_once WP_PLUGIN_DIR . '/' . WPSB_PLUGIN;
		wpsb_ensure_role();
	}
	wpsb_cli_users( $creds );
	wpsb_cli_app_passwords( $creds );
}

/** Posts, pages, attachments, revisions, their meta, comments and terms (default category kept). */
function wpsb_cli_delete_content(): void {
	global $wpdb;
	$wpdb->query( "DELETE FROM {$wpdb->posts} WHERE post_type IN ('post', 'page', 'revision', 'attachment', 'wp_block', 'wpsb_proposal')" );
	$wpdb->query( "DELETE pm FROM {$wpdb->postmeta} pm LEFT JOIN {$wpdb->posts} p ON p.ID = pm.post_id WHERE p.ID IS NULL" );
	$wpdb->query( "DELETE tr FROM {$wpdb->term_relationships} tr LEFT JOIN {$wpdb->posts} p ON p.ID = tr.object_id WHERE p.ID IS NULL" );
	$wpdb->query( "DELETE FROM {$wpdb->comments}" );
	$wpdb->query( "DELETE FROM {$wpdb->commentmeta}" );
	$default_cat = (int) get_option( 'default_category' );
	$wpdb->query(
		$wpdb->prepare(
			"DELETE t, tt FROM {$wpdb->terms} t INNER JOIN {$wpdb->term_taxonomy} tt ON tt.term_id = t.term_id
			 WHERE tt.taxonomy IN ('post_tag', 'category') AND t.term_id <> %d",
			$default_cat
		)
	);
	$wpdb->query( "DELETE tm FROM {$wpdb->termmeta} tm LEFT JOIN {$wpdb->terms} t ON t.term_id = tm.term_id WHERE t.term_id IS NULL" );
	$wpdb->query( "UPDATE {$wpdb->term_taxonomy} SET count = 0 WHERE taxonomy IN ('post_tag', 'category')" );
	update_option( 'sticky_posts', array() );
	delete_option( 'category_children' );
	// Yoast's own tables describe the posts and terms just deleted (its hooks do not see SQL deletes).
	foreach ( array( 'yoast_indexable_hierarchy', 'yoast_seo_links', 'yoast_primary_term', 'yoast_seo_meta' ) as $wpsb_table ) {
		if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->prefix . $wpsb_table ) ) ) {
			$wpdb->query( "DELETE FROM {$wpdb->prefix}$wpsb_table" );
		}
	}
	if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->prefix . 'yoast_indexable' ) ) ) {
		$wpdb->query( "DELETE FROM {$wpdb->prefix}yoast_indexable WHERE object_type IN ('post', 'term')" );
	}
	wp_cache_flush();
}

function wpsb_cli_reset(): void {
	global $wpdb;
	wpsb_cli_delete_content();
	$wpdb->query( "DELETE FROM {$wpdb->options} WHERE option_name LIKE 'wp\\_seo\\_bridge\\_%'" );
	wp_cache_flush();
	wpsb_cli_plugin_on();
	if ( wpsb_cli_has_yoast() ) {
		wpsb_cli_yoast_on();  // a test that switched it off and died does not leave the next one without it
	}
	if ( function_exists( 'wpsb_add_default_options' ) ) {
		wpsb_add_default_options();
	}
	wpsb_cli_users( wpsb_cli_credentials() );
}

switch ( $wpsb_cmd ) {
	case 'install':
		wpsb_cli_install( $argv[2] ?? 'en_US' );
		break;
	case 'reset':
		wpsb_cli_reset();
		break;
	case 'plugin-on':
		wpsb_cli_plugin_on();
		break;
	case 'plugin-off':
		wpsb_cli_plugin_off();
		break;
	case 'plugin-status':
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		echo is_plugin_active( WPSB_PLUGIN ) ? "on\n" : "off\n";
		break;
	case 'yoast-on':
		wpsb_cli_yoast_on();
		break;
	case 'yoast-off':
		wpsb_cli_yoast_off();
		break;
	case 'yoast-status':
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		echo is_plugin_active( WPSB_YOAST ) ? "on\n" : "off\n";
		break;
	case 'option':
		if ( ! isset( $argv[2] ) ) {
			wpsb_cli_fail( 'usage: option NAME [VALUE]' );
		}
		if ( isset( $argv[3] ) ) {
			update_option( $argv[2], $argv[3] );
		}
		$wpsb_value = get_option( $argv[2] );
		echo is_scalar( $wpsb_value ) ? "$wpsb_value\n" : wp_json_encode( $wpsb_value ) . "\n";
		break;
	case 'post-age':
		// A post last modified N days ago (tests of the age pick): core's saves always stamp "now".
		if ( ! isset( $argv[2], $argv[3] ) ) {
			wpsb_cli_fail( 'usage: post-age ID[,ID...] DAYS' );
		}
		$wpsb_when = time() - (int) ( (float) $argv[3] * DAY_IN_SECONDS );
		foreach ( array_map( 'intval', explode( ',', $argv[2] ) ) as $wpsb_id ) {  // one id, or a comma-separated list
			$wpdb->update(
				$wpdb->posts,
				array(
					'post_modified'     => get_date_from_gmt( gmdate( 'Y-m-d H:i:s', $wpsb_when ) ),
					'post_modified_gmt' => gmdate( 'Y-m-d H:i:s', $wpsb_when ),
				),
				array( 'ID' => $wpsb_id )
			);
			clean_post_cache( $wpsb_id );
		}
		echo get_post( $wpsb_id )->post_modified_gmt . "\n";
		break;
	case 'post-meta':
		// Meta only WordPress's own code writes (Yoast's scores): set as that code would.
		if ( ! isset( $argv[2], $argv[3], $argv[4] ) ) {
			wpsb_cli_fail( 'usage: post-meta ID KEY VALUE' );
		}
		update_post_meta( (int) $argv[2], $argv[3], $argv[4] );
		echo get_post_meta( (int) $argv[2], $argv[3], true ) . "\n";
		break;
	default:
		wpsb_cli_fail( "unknown command '$wpsb_cmd'" );
}
