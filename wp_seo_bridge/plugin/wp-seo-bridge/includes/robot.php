<?php
/**
 * The robot's account writes only through the guard. Its role may edit everybody's drafts (so WordPress lets the
 * guarded write through), which would let its password alone (stolen, or a daemon bug) replace an editor's draft,
 * change its author, trash a pending post or write Yoast's keys with core's plain methods. So, for the bot role:
 *   - XML-RPC: read methods, the plugin's methods and wp.editPost carrying the guard keys (with only the fields
 *     and meta keys the daemon writes) pass; any other method is refused with fault 401;
 *   - REST: reads, the plugin's routes, /batch/v1 (each request in it is checked again) and the guarded update of
 *     one post pass; any other write is refused with 403;
 *   - wp-admin (the editors' screens, admin-ajax, admin-post) is closed to it;
 *   - underneath, whatever the entry point: no post saved, trashed or deleted, and no post meta written, unless
 *     this request's guard accepted that post. Independent of Yoast, which lets anyone who may edit a post write
 *     its keys.
 */

defined( 'ABSPATH' ) || exit;

/** Core's fields of the daemon's guarded write (wp.editPost struct / REST body), besides the guard keys. */
const WPSB_ROBOT_XMLRPC_FIELDS = array( 'post_title', 'post_content', 'post_name', 'post_status', 'custom_fields', 'if_not_modified_since', 'seo_bridge_expect_hash', 'seo_bridge_daemon', 'seo_bridge_scores', 'seo_bridge_expect_fingerprint' );
const WPSB_ROBOT_REST_FIELDS   = array( 'title', 'content', 'slug', 'status', 'meta', 'wp_seo_bridge_expect_hash', 'wp_seo_bridge_daemon', 'wp_seo_bridge_if_unmodified_since', 'wp_seo_bridge_scores', 'wp_seo_bridge_expect_fingerprint', '_fields', 'context', '_locale', 'id' );

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_robot_hooks(): void {
	add_action( 'xmlrpc_call', 'wpsb_robot_xmlrpc_gate', 1, 3 );
	add_filter( 'rest_pre_dispatch', 'wpsb_robot_rest_gate', 5, 3 );
	add_action( 'admin_init', 'wpsb_robot_no_admin', 0 );
	// underneath every entry point
	add_filter( 'wp_insert_post_empty_content', 'wpsb_robot_may_not_save', 99, 2 );
	add_filter( 'pre_trash_post', 'wpsb_robot_may_not_remove', 99 );
	add_filter( 'pre_delete_post', 'wpsb_robot_may_not_remove', 99 );
	add_filter( 'add_post_metadata', 'wpsb_robot_may_not_write_meta', 99, 2 );
	add_filter( 'update_post_metadata', 'wpsb_robot_may_not_write_meta', 99, 2 );
	add_filter( 'delete_post_metadata', 'wpsb_robot_may_not_write_meta', 99, 2 );
	add_filter( 'update_post_metadata_by_mid', 'wpsb_robot_may_not_write_meta_by_id', 99, 2 );
	add_filter( 'delete_post_metadata_by_mid', 'wpsb_robot_may_not_write_meta_by_id', 99, 2 );
}

function wpsb_is_robot(): bool {
	$user = wp_get_current_user();
	return $user->exists() && in_array( WPSB_ROLE, (array) $user->roles, true );
}

// --- XML-RPC -------------------------------------------------------------------------------------------------

function wpsb_robot_xmlrpc_gate( $method, $args = null, $server = null ): void {
	if ( ! wpsb_is_robot() || ! $server instanceof wp_xmlrpc_server ) {
		return;
	}
	$reason = wpsb_robot_xmlrpc_refusal( (string) $method, is_array( $args ) ? $args : array() );
	if ( '' !== $reason ) {
		$server->error( new IXR_Error( 401, $reason ) );  // prints the fault and exits: nothing was written
	}
}

/** '' when the robot may make this call, else why not. */
function wpsb_robot_xmlrpc_refusal( string $method, array $args ): string {
	if ( preg_match( '/^(wp\.get[A-Za-z]*|seobridge\.[A-Za-z]+|system\.[A-Za-z]+|mt\.supportedMethods)$/', $method ) ) {
		return '';
	}
	if ( 'wp.editPost' !== $method ) {
		return "The SEO Bridge robot may not call $method.";
	}
	$struct = $args[4] ?? null;
	if ( ! is_array( $struct ) || ! isset( $struct['seo_bridge_expect_hash'], $struct['seo_bridge_daemon'] ) ) {
		return 'The SEO Bridge robot writes only through the guard (seo_bridge_expect_hash, seo_bridge_daemon).';
	}
	$extra = array_diff( array_keys( $struct ), WPSB_ROBOT_XMLRPC_FIELDS );
	if ( $extra ) {
		return 'The SEO Bridge robot may not write ' . implode( ', ', array_map( 'strval', $extra ) ) . '.';
	}
	foreach ( (array) ( $struct['custom_fields'] ?? array() ) as $field ) {
		$key = is_array( $field ) ? (string) ( $field['key'] ?? '' ) : '';
		if ( ! in_array( $key, wpsb_meta_keys(), true ) ) {
			return 'The SEO Bridge robot writes only its own and Yoast\'s fields.';
		}
	}
	return '';
}

// --- REST ----------------------------------------------------------------------------------------------------

function wpsb_robot_rest_gate( $result, $server, $request ) {
	if ( null !== $result || ! $request instanceof WP_REST_Request || ! wpsb_is_robot() ) {
		return $result;
	}
	$reason = wpsb_robot_rest_refusal( $request );
	return '' === $reason ? $result : new WP_Error( 'wpsb_robot_unguarded', $reason, array( 'status' => 403 ) );
}

function wpsb_robot_rest_refusal( WP_REST_Request $request ): string {
	$method = $request->get_method();
	$route  = untrailingslashit( $request->get_route() );
	if ( in_array( $method, array( 'GET', 'HEAD', 'OPTIONS' ), true ) ) {
		return '';
	}
	if ( '/batch/v1' === $route || preg_match( '#^/' . preg_quote( WPSB_REST_NAMESPACE, '#' ) . '/(claim/\d+|state/\d+|propose/\d+|notify)$#', $route ) ) {
		return '';
	}
	if ( ! preg_match( '#^/wp/v2/posts/\d+$#', $route ) || 'DELETE' === $method ) {
		return 'The SEO Bridge robot writes only through the guard.';
	}
	$params = array_merge( (array) $request->get_query_params(), (array) $request->get_body_params(), (array) $request->get_json_params() );
	if ( ! isset( $params['wp_seo_bridge_expect_hash'], $params['wp_seo_bridge_daemon'] ) ) {
		return 'The SEO Bridge robot writes only through the guard (wp_seo_bridge_expect_hash, wp_seo_bridge_daemon).';
	}
	$extra = array_diff( array_keys( $params ), WPSB_ROBOT_REST_FIELDS );
	if ( $extra ) {
		return 'The SEO Bridge robot may not write ' . implode( ', ', array_map( 'strval', $extra ) ) . '.';
	}
	if ( isset( $params['meta'] ) && ( ! is_array( $params['meta'] ) || array_diff( array_keys( $params['meta'] ), wpsb_meta_keys() ) ) ) {
		return 'The SEO Bridge robot writes only its own and Yoast\'s fields.';
	}
	return '';
}

// --- wp-admin ------------------------------------------------------------------------------------------------

function wpsb_robot_no_admin(): void {
	if ( wpsb_is_robot() ) {
		wp_die( esc_html__( 'The SEO Bridge robot account has no access to the dashboard.', 'wp-seo-bridge' ), 403 );
	}
}

// --- underneath every entry point ----------------------------------------------------------------------------

/**
 * WordPress has no filter that refuses a post save with a reason; this one makes wp_insert_post() stop before
 * writing (with an "empty content" error) and is the last line only: the entry points above refuse first.
 */
function wpsb_robot_may_not_save( $maybe_empty, $postarr ) {
	if ( $maybe_empty || ! wpsb_is_robot() ) {
		return $maybe_empty;
	}
	$post_id = (int) ( $postarr['ID'] ?? 0 );
	if ( 'wpsb_proposal' === ( $postarr['post_type'] ?? '' ) ) {
		// A refresh proposal, only inside the plugin's guarded proposeRefresh for that very live post.
		$parent = (int) ( $postarr['post_parent'] ?? 0 );
		$stored = $post_id ? get_post( $post_id ) : null;
		$same   = ! $stored || ( 'wpsb_proposal' === $stored->post_type && (int) $stored->post_parent === $parent );
		return ! ( $parent && $same && WPSB_Request::proposal_for() === $parent );
	}
	if ( 'revision' === ( $postarr['post_type'] ?? '' ) ) {
		$post_id = (int) ( $postarr['post_parent'] ?? 0 );
	}
	// Never a live post (published or scheduled), whatever a guard said: only an editor's Approve changes one.
	if ( $post_id && in_array( get_post_status( $post_id ), array( 'publish', 'future' ), true ) ) {
		return true;
	}
	return ! ( $post_id && wpsb_is_guarded_post( $post_id ) );
}

function wpsb_robot_may_not_remove( $check ) {
	return ( null === $check && wpsb_is_robot() ) ? false : $check;
}

/** A non-null answer short-circuits the meta write: false = not written. */
function wpsb_robot_may_not_write_meta( $check, $post_id ) {
	if ( null !== $check || ! wpsb_is_robot() || WPSB_Request::is_trusted() || wpsb_is_guarded_post( (int) $post_id ) ) {
		return $check;
	}
	return false;
}

/** The same for writes by meta row id (XML-RPC custom_fields carrying an id). */
function wpsb_robot_may_not_write_meta_by_id( $check, $meta_id ) {
	if ( null !== $check || ! wpsb_is_robot() ) {
		return $check;
	}
	$row = get_metadata_by_mid( 'post', (int) $meta_id );
	return wpsb_robot_may_not_write_meta( $check, $row ? (int) $row->post_id : 0 );
}
