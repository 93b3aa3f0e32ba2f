<?php
/**
 * XML-RPC surface. Methods are named functions: a closure registered as a method crashes on PHP 8.
 *
 *   seobridge.info(blog_id, user, pass)                                          → struct
 *   seobridge.claimPost(blog_id, user, pass, post_id, expect_hash, daemon_id, ttl_seconds) → post struct
 *   seobridge.recordState(blog_id, user, pass, post_id, daemon_id, state_json)  → true
 *   wp.getPost(s) with 'seo_bridge' in fields → + seo_bridge {content_hash, state, locked_by}
 *   wp.editPost with seo_bridge_expect_hash + seo_bridge_daemon in the content struct → guarded write
 *   seobridge.editPost(blog_id, user, pass, post_id, struct) → that guarded write, answering what was stored:
 *                                                                {post_status, meta: {key: value}, content:
 *                                                                 {fingerprint, rolled_back, content?}}
 *     (content when the struct carries seo_bridge_expect_fingerprint: see wpsb_stored_check_begin)
 *
 * Fault codes are the contract (messages are for humans and may be translated): see includes/claims.php.
 */

defined( 'ABSPATH' ) || exit;

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_xmlrpc_hooks(): void {
	add_filter( 'xmlrpc_methods', 'wpsb_xmlrpc_methods' );
	add_filter( 'xmlrpc_prepare_post', 'wpsb_xmlrpc_prepare_post', 10, 3 );
	add_action( 'xmlrpc_call', 'wpsb_xmlrpc_guard_edit_post', 10, 3 );
}

/**
 * XML 1.0 cannot carry C0 controls but tab/LF/CR, U+FFFE/U+FFFF or invalid UTF-8 (lone surrogates): one
 * such character (text pasted from Word carries U+000B) makes a whole answer unreadable, the innocent
 * drafts of a claim round included. Every string our answers carry goes through this; the content hash
 * (wpsb_content_hash) is computed over the same cleaned text, so the daemon's hash of what it received
 * still matches the post.
 *
 * @param mixed $value a string, or an array of them (nested); anything else is returned as is
 * @return mixed
 */
function wpsb_xml_clean( $value ) {
	if ( is_array( $value ) ) {
		return array_map( 'wpsb_xml_clean', $value );
	}
	if ( ! is_string( $value ) ) {
		return $value;
	}
	$valid = mb_check_encoding( $value, 'UTF-8' );
	if ( $valid && ! preg_match( '/[\x00-\x08\x0B\x0C\x0E-\x1F]|\xEF\xBF[\xBE\xBF]/', $value ) ) {
		return $value;  // the usual case: nothing to do
	}
	if ( ! $valid ) {
		$value = wp_check_invalid_utf8( $value, true );  // drops the invalid sequences
	}
	return (string) preg_replace( '/[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]/u', '', $value );
}

function wpsb_xmlrpc_methods( array $methods ): array {
	$methods['seobridge.info']        = 'wpsb_xmlrpc_info';
	$methods['seobridge.claimPost']   = 'wpsb_xmlrpc_claim_post';
	$methods['seobridge.recordState'] = 'wpsb_xmlrpc_record_state';
	$methods['seobridge.editPost']    = 'wpsb_xmlrpc_edit_post';
	return $methods;
}

/** Logs in like core methods do (same escaping), and tells other plugins about the call. */
function wpsb_xmlrpc_login( wp_xmlrpc_server $server, string $method, array $args, int $min_args ) {
	// minimum_args() is protected (and __call would hide that): count here.
	if ( count( $args ) < $min_args ) {
		$server->error = new IXR_Error( 400, __( 'Insufficient arguments passed to this XML-RPC method.', 'default' ) );
		return false;
	}
	$credentials = array( $args[1], $args[2] );
	$server->escape( $credentials );
	$user = $server->login( $credentials[0], $credentials[1] );
	if ( ! $user ) {
		return false;
	}
	do_action( 'xmlrpc_call', $method, $args, $server );  // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- core's action, fired as core methods do
	return $user;
}

function wpsb_ixr_error( WP_Error $error ): IXR_Error {
	$data = $error->get_error_data();
	return new IXR_Error( (int) ( $data['status'] ?? 500 ), $error->get_error_message() );
}

/** @return array|IXR_Error */
function wpsb_xmlrpc_info( $args ) {
	global $wp_xmlrpc_server;
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.info', (array) $args, 3 ) ) {
		return $wp_xmlrpc_server->error;
	}
	if ( ! current_user_can( 'edit_posts' ) ) {
		return new IXR_Error( 401, __( 'Sorry, you are not allowed to edit posts.', 'wp-seo-bridge' ) );
	}
	return wpsb_xml_clean( wpsb_site_info() );
}

/** @return array|IXR_Error the post as wp.getPost returns it with fields post, terms, custom_fields, seo_bridge */
function wpsb_xmlrpc_claim_post( $args ) {
	global $wp_xmlrpc_server;
	$args = (array) $args;
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.claimPost', $args, 7 ) ) {
		return $wp_xmlrpc_server->error;
	}
	$result = wpsb_claim( (int) $args[3], (string) $args[4], (string) $args[5], (int) $args[6] );
	if ( is_wp_error( $result ) ) {
		return wpsb_ixr_error( $result );
	}
	if ( wpsb_claims_live_post( (int) $args[3] ) ) {
		return wpsb_refresh_xmlrpc_struct( get_post( (int) $args[3] ) );  // the bot may not wp.getPost a live post
	}
	// _prepare_post is protected: wp.getPost gives the exact core shape (it logs in again, cheaply).
	return $wp_xmlrpc_server->wp_getPost(
		array( $args[0], $args[1], $args[2], (int) $args[3], array( 'post', 'terms', 'custom_fields', 'seo_bridge' ) )
	);
}

/** @return true|IXR_Error */
function wpsb_xmlrpc_record_state( $args ) {
	global $wp_xmlrpc_server;
	$args = (array) $args;
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.recordState', $args, 6 ) ) {
		return $wp_xmlrpc_server->error;
	}
	$result = wpsb_record_state( (int) $args[3], (string) $args[4], (string) $args[5] );
	return is_wp_error( $result ) ? wpsb_ixr_error( $result ) : true;
}

/**
 * The daemon's write in one round trip: core's wp.editPost (same guard, same hooks), then what the database
 * holds afterwards for the status and each of the plugin's meta keys the struct wrote. Protected meta can be dropped without
 * an error; the daemon compares these values with what it sent, so the proof still comes from storage.
 *
 * @return array|IXR_Error
 */
function wpsb_xmlrpc_edit_post( $args ) {
	global $wp_xmlrpc_server;
	$args   = (array) $args;
	$struct = $args[4] ?? null;
	if ( ! is_array( $struct ) || ! isset( $struct['seo_bridge_expect_hash'], $struct['seo_bridge_daemon'] ) ) {
		return new IXR_Error( 400, 'seobridge.editPost is the guarded write: it needs seo_bridge_expect_hash and seo_bridge_daemon.' );
	}
	$result = $wp_xmlrpc_server->wp_editPost( $args );  // logs in, fires xmlrpc_call (the guard), writes
	if ( $result instanceof IXR_Error ) {
		return $result;
	}
	$post_id = (int) $args[3];
	$scores  = wpsb_write_scores( $post_id, $struct['seo_bridge_scores'] ?? null );
	$content = wpsb_stored_check_end( $post_id );  // commits, or rolls back a write kses cut
	clean_post_cache( $post_id );  // read the rows, not this request's caches
	$stored = $scores;
	foreach ( (array) ( $struct['custom_fields'] ?? array() ) as $field ) {
		$key = is_array( $field ) ? (string) ( $field['key'] ?? '' ) : '';
		// Only the plugin's own keys (and Yoast's it writes): never echo other, protected meta of the post.
		if ( in_array( $key, wpsb_meta_keys(), true ) ) {
			$stored[ $key ] = wpsb_xml_clean( (string) get_post_meta( $post_id, $key, true ) );
		}
	}
	$answer = array(
		'post_status' => (string) get_post_status( $post_id ),
		'meta'        => (object) $stored,  // a struct even when empty
	);
	if ( null !== $content ) {
		$answer['content'] = $content;
	}
	return $answer;
}

/** Every post wp.getPost(s) answers (ours and other clients'), cleaned of what XML cannot carry. */
function wpsb_xmlrpc_prepare_post( $_post, $post, $fields ) {
	if ( is_array( $fields ) && in_array( 'seo_bridge', $fields, true ) ) {
		$_post['seo_bridge'] = wpsb_post_summary( (int) $post['ID'], (string) $post['post_title'], (string) $post['post_content'] );
	}
	return wpsb_xml_clean( $_post );
}

/**
 * wp.editPost carrying seo_bridge_expect_hash + seo_bridge_daemon is the daemon's write: check it under the
 * post's lock (held until the request ends, across core's update) or answer a fault and stop. Core ignores
 * the unknown keys. Since WP 5.7 this action receives the (escaped) arguments, after login.
 */
function wpsb_xmlrpc_guard_edit_post( $method, $args = null, $server = null ): void {
	if ( 'wp.editPost' !== $method || ! is_array( $args ) || ! is_array( $args[4] ?? null ) ) {
		return;
	}
	$struct = $args[4];
	if ( ! isset( $struct['seo_bridge_expect_hash'] ) && ! isset( $struct['seo_bridge_daemon'] ) ) {
		return;  // an ordinary edit
	}
	if ( ! isset( $struct['seo_bridge_expect_hash'], $struct['seo_bridge_daemon'] ) ) {
		$result = wpsb_error( 400, 'wpsb_half_guard', 'A guarded write needs both seo_bridge_expect_hash and seo_bridge_daemon.' );
	} else {
		$result = wpsb_guard_write(
			(int) $args[3],
			(string) wp_unslash( $struct['seo_bridge_expect_hash'] ),
			(string) wp_unslash( $struct['seo_bridge_daemon'] ),
			isset( $struct['post_status'] ) ? (string) $struct['post_status'] : null,
			(string) wp_unslash( $struct['seo_bridge_expect_fingerprint'] ?? '' )
		);
	}
	if ( is_wp_error( $result ) ) {
		$server->error( wpsb_ixr_error( $result ) );  // prints the fault and exits
	}
}
