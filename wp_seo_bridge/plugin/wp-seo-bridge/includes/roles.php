<?php
/**
 * The robot's role: it can edit everybody's drafts but can neither publish, edit published posts, upload, nor
 * post unfiltered HTML. So "the bot never publishes" is enforced by WordPress itself, not only by the daemon.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_ROLE         = 'seo_bridge_bot';
const WPSB_ROLE_VERSION = '1';

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_roles_hooks(): void {
	add_action( 'init', 'wpsb_maybe_update_role' );
}

function wpsb_role_caps(): array {
	return array(
		'read'              => true,
		'edit_posts'        => true,
		'edit_others_posts' => true,
	);
}

/** Creates the role, or brings its capabilities in line after a plugin update. */
function wpsb_ensure_role(): void {
	remove_role( WPSB_ROLE );
	add_role( WPSB_ROLE, 'SEO Bridge (robot)', wpsb_role_caps() );
	update_option( WPSB_OPTION_ROLE_VERSION, WPSB_ROLE_VERSION );
}

function wpsb_remove_role(): void {
	remove_role( WPSB_ROLE );
}

function wpsb_maybe_update_role(): void {
	if ( WPSB_ROLE_VERSION !== get_option( WPSB_OPTION_ROLE_VERSION ) ) {
		wpsb_ensure_role();
	}
}
