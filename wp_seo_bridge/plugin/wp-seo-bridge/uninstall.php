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
delete_option( WPSB_REFRESH_OPTION );
delete_option( WPSB_REFRESH_AGE_OPTION );
delete_option( WPSB_REFRESH_PICK_OPTION );
delete_option( WPSB_REFRESH_ORDER_OPTION );
// Refresh proposals waiting for review are the plugin's own objects, not the site's posts: they go with it (the
// live posts they were proposed for are untouched).
$wpsb_proposals = get_posts(
	array(
		'post_type'        => 'wpsb_proposal',
		'post_status'      => 'any',
		'fields'           => 'ids',
		'posts_per_page'   => -1,
		'suppress_filters' => true,
	)
);
foreach ( $wpsb_proposals as $wpsb_proposal ) {
	wp_delete_post( (int) $wpsb_proposal, true );
}
