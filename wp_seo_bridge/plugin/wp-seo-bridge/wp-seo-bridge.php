<?php
/**
 * Plugin Name:       WP SEO Bridge
 * Description:       Companion of the wp-seo-bridge daemon: lets it claim opted-in drafts safely, write Yoast SEO fields, and never overwrite an editor's work.
 * Version:           0.3.0
 * Requires at least: 6.1
 * Requires PHP:      8.0
 * Tested up to:      7.1
 * Author:            wp-seo-bridge contributors
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       wp-seo-bridge
 * Domain Path:       /languages
 *
 * This program is free software; you can redistribute it and/or modify it under the terms of the GNU General
 * Public License as published by the Free Software Foundation; either version 2 of the License, or (at your
 * option) any later version. It is distributed WITHOUT ANY WARRANTY; see the GNU General Public License.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_VERSION = '0.3.0';
const WPSB_FILE    = __FILE__;

require_once __DIR__ . '/includes/constants.php';  // option, meta and state names
require_once __DIR__ . '/includes/class-wpsb-request.php';  // what this request holds (locks) and may do
require_once __DIR__ . '/includes/options.php';
require_once __DIR__ . '/includes/roles.php';
require_once __DIR__ . '/includes/meta.php';
require_once __DIR__ . '/includes/robot.php';
require_once __DIR__ . '/includes/fingerprint.php';  // what the guarded edit stored, compared with what was sent
require_once __DIR__ . '/includes/claims.php';
require_once __DIR__ . '/includes/xmlrpc.php';
require_once __DIR__ . '/includes/rest.php';
require_once __DIR__ . '/includes/links.php';  // published posts as internal-link candidates
require_once __DIR__ . '/includes/notify.php';  // the review e-mail
require_once __DIR__ . '/includes/review-operations.php';  // review state, approve/reject (no output)
require_once __DIR__ . '/includes/review-requests.php';  // admin-post.php handlers of those
require_once __DIR__ . '/includes/review-views.php';  // panel, notices, Posts list
require_once __DIR__ . '/includes/refresh.php';  // published posts: proposals an editor approves (no output)
require_once __DIR__ . '/includes/refresh-views.php';  // their settings field, actions, Posts view, box, diff
if ( is_admin() ) {
	require_once __DIR__ . '/includes/settings.php';
}

wpsb_hooks();

/**
 * Every hook of the plugin, file by file (each file's own function lists them). Order matters only among
 * callbacks of one hook at one priority: this is the order the files used to register them in.
 */
function wpsb_hooks(): void {
	register_activation_hook( WPSB_FILE, 'wpsb_activate' );
	add_action( 'init', 'wpsb_load_textdomain', 0 );
	wpsb_roles_hooks();
	wpsb_meta_hooks();
	wpsb_robot_hooks();
	wpsb_claims_hooks();
	wpsb_xmlrpc_hooks();
	wpsb_rest_hooks();
	wpsb_links_hooks();
	if ( is_admin() ) {
		wpsb_settings_hooks();
	}
	wpsb_notify_hooks();
	wpsb_review_operations_hooks();
	wpsb_review_requests_hooks();
	wpsb_review_views_hooks();
	wpsb_refresh_hooks();
	wpsb_refresh_views_hooks();
}

/** The French (and any other) translation shipped in languages/; a site's own in wp-content/languages wins. */
function wpsb_load_textdomain(): void {
	load_plugin_textdomain( 'wp-seo-bridge', false, dirname( plugin_basename( __FILE__ ) ) . '/languages' );
}

/** Role and default options; uninstall.php removes them (deactivation keeps them). */
function wpsb_activate(): void {
	wpsb_ensure_role();
	wpsb_add_default_options();
}
