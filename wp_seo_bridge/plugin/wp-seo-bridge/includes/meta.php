<?php
/**
 * The post meta the daemon writes. Protected meta (keys starting with "_") is dropped silently by the APIs unless
 * registered with an auth_callback, so these keys are registered, with two rules:
 *   - written only by a write that passed the guard (includes/claims.php) in this very request; the plugin's
 *     own writes (claims, recordState, Approve/Reject) use update_post_meta and need no capability. Humans keep
 *     the Yoast fields they may edit; the bookkeeping is nobody's to forge (a forged "rewritten" state would be
 *     listed in the review e-mail and shown to editors as the robot's work).
 *   - read over REST only in the edit context (which needs edit_post): anonymous visitors of a published post
 *     do not see the daemon's host, the reviewer's login, the cost or the previous Yoast values.
 */

defined( 'ABSPATH' ) || exit;

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_meta_hooks(): void {
	add_action( 'init', 'wpsb_register_meta' );
	add_action( 'xmlrpc_call', 'wpsb_meta_note_xmlrpc_method', 0 );  // before the robot's gate (1)
	add_filter( 'add_post_metadata', 'wpsb_meta_gate', 98, 3 );  // before the robot's (99)
	add_filter( 'update_post_metadata', 'wpsb_meta_gate', 98, 3 );
	add_filter( 'update_post_metadata_by_mid', 'wpsb_meta_gate_by_id', 98, 2 );
}

function wpsb_meta_keys(): array {
	return array_merge( WPSB_YOAST_KEYS, array( WPSB_STATE_KEY, WPSB_PREVIOUS_KEY ) );
}

function wpsb_register_meta(): void {
	foreach ( wpsb_meta_keys() as $key ) {
		register_post_meta(
			'',
			$key,
			array(
				'single'        => true,
				'type'          => 'string',
				'show_in_rest'  => array( 'schema' => array( 'context' => array( 'edit' ) ) ),
				'auth_callback' => in_array( $key, WPSB_YOAST_KEYS, true ) ? 'wpsb_can_edit_yoast_meta' : 'wpsb_can_edit_bridge_meta',
			)
		);
	}
}

/** True when this request's guarded write (or its revision) is about this post. */
function wpsb_is_guarded_post( int $post_id ): bool {
	if ( WPSB_Request::is_guarded( $post_id ) ) {
		return true;
	}
	$parent = wp_is_post_revision( $post_id );
	return $parent && WPSB_Request::is_guarded( $parent );
}

/**
 * Core asks the same capability to list a protected key in XML-RPC's custom_fields (with its row id, which the
 * daemon needs to update rather than duplicate a row) and to write it. Reads are told apart by the method called.
 */
function wpsb_meta_note_xmlrpc_method( $method ): void {
	WPSB_Request::set_xmlrpc_reading( (bool) preg_match( '/^(wp\.get[A-Za-z]*|seobridge\.(info|claimPost))$/', (string) $method ) );
}

function wpsb_meta_is_xmlrpc_read(): bool {
	return defined( 'XMLRPC_REQUEST' ) && XMLRPC_REQUEST && WPSB_Request::is_xmlrpc_reading();
}

/** Our bookkeeping: read by whoever may edit the post; written only by a guarded write. */
function wpsb_can_edit_bridge_meta( $allowed, $meta_key, $post_id ): bool {
	$post_id = (int) $post_id;
	return current_user_can( 'edit_post', $post_id ) && ( wpsb_is_guarded_post( $post_id ) || wpsb_meta_is_xmlrpc_read() );
}

/** Yoast's fields: whoever may edit the post, except the robot outside a guarded write (includes/robot.php). */
function wpsb_can_edit_yoast_meta( $allowed, $meta_key, $post_id ): bool {
	$post_id = (int) $post_id;
	if ( wpsb_is_robot() && ! wpsb_is_guarded_post( $post_id ) && ! wpsb_meta_is_xmlrpc_read() ) {
		return false;
	}
	return current_user_can( 'edit_post', $post_id );
}

/**
 * Underneath the capability (which another plugin's map_meta_cap filter could widen): over XML-RPC and REST the
 * bookkeeping is written only by a guarded write or by the plugin itself (claims, records, review decisions).
 * Deletes are left to the capability: deleting a post deletes its meta row by row.
 */
/** A non-null answer short-circuits the meta write: false = not written. */
function wpsb_meta_gate( $check, $post_id, $meta_key ) {
	if ( null !== $check || ! in_array( $meta_key, array( WPSB_STATE_KEY, WPSB_PREVIOUS_KEY ), true ) ) {
		return $check;
	}
	$api = ( defined( 'XMLRPC_REQUEST' ) && XMLRPC_REQUEST ) || ( defined( 'REST_REQUEST' ) && REST_REQUEST );
	if ( ! $api || WPSB_Request::is_trusted() || wpsb_is_guarded_post( (int) $post_id ) ) {
		return $check;
	}
	return false;
}

function wpsb_meta_gate_by_id( $check, $meta_id ) {
	if ( null !== $check ) {
		return $check;
	}
	$row = get_metadata_by_mid( 'post', (int) $meta_id );
	return $row ? wpsb_meta_gate( $check, (int) $row->post_id, (string) $row->meta_key ) : $check;
}
