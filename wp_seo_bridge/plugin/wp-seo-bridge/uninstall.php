<?php
/**
 * Uninstall (not deactivation): remove the robot role and our options. Post meta (state, Yoast fields)
 * stays: it belongs to the posts and their history.
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/constants.php';
require_once __DIR__ . '/includes/options.php';
require_once __DIR__ . '/includes/roles.php';

wpsb_remove_role();
foreach ( array_keys( wpsb_option_defaults() ) as $wpsb_name ) {
	delete_option( $wpsb_name );
}
delete_option( WPSB_OPTION_ROLE_VERSION );
