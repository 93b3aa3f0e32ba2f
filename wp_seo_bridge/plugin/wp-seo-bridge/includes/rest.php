<?php
/**
 * REST parity with the XML-RPC surface (same rules, includes/claims.php), for sites that block xmlrpc.php.
 * Authentication: application passwords (no nonce). Routes under /wp-json/wp-seo-bridge/v1/:
 *
 *   GET  info                                                  → same struct as seobridge.info
 *   GET  drafts?page=N&per_page=M (M ≤ 500)                    → [{id, status, modified_gmt, seo_bridge}],
 *        X-WP-Total / X-WP-TotalPages: what selection needs, in pages five times core's largest
 *   POST claim/<id>  {expect_hash, daemon_id, ttl_seconds}     → the post, context=edit (meta, seo_bridge)
 *   POST state/<id>  {daemon_id, state_json}                   → {post_id, state}
 *   posts gain a read-only `seo_bridge` field (context edit): {content_hash, state, locked_by, tags}
 *   POST /wp/v2/posts/<id> with wp_seo_bridge_expect_hash + wp_seo_bridge_daemon and/or
 *        wp_seo_bridge_if_unmodified_since (post_modified_gmt, ISO 8601) → guarded update; with
 *        wp_seo_bridge_expect_fingerprint it answers wp_seo_bridge_stored {fingerprint, rolled_back, content?}
 *        (see wpsb_stored_check_begin).
 *
 * Statuses equal the XML-RPC fault codes, except "may not edit" which follows REST: 401 when anonymous,
 * 403 when logged in.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_REST_NAMESPACE = 'wp-seo-bridge/v1';

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_rest_hooks(): void {
	add_action( 'rest_api_init', 'wpsb_rest_register' );
	add_filter( 'rest_pre_insert_post', 'wpsb_rest_guard_update', 10, 2 );
	add_filter( 'rest_post_query', 'wpsb_rest_own_drafts_only' );
	add_action( 'rest_after_insert_post', 'wpsb_rest_write_scores', 10, 2 );
	add_action( 'rest_after_insert_post', 'wpsb_rest_end_stored_check', 99 );
}

/** After everything the update wrote (post, meta, scores): commit, or roll back a write kses cut. */
function wpsb_rest_end_stored_check( $post ): void {
	if ( $post instanceof WP_Post ) {
		wpsb_stored_check_end( $post->ID );
	}
}

/** Yoast's score meta of a guarded update (wpsb_write_scores), after core wrote the post and its meta. */
function wpsb_rest_write_scores( $post, $request ): void {
	if ( $post instanceof WP_Post && $request instanceof WP_REST_Request && null !== $request->get_param( 'wp_seo_bridge_scores' ) ) {
		wpsb_write_scores( $post->ID, $request->get_param( 'wp_seo_bridge_scores' ) );
	}
}

function wpsb_rest_register(): void {
	$id_arg = array(
		'type'     => 'integer',
		'required' => true,
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/info',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_rest_info',
			'permission_callback' => 'wpsb_rest_can_edit_posts',
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/drafts',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_rest_drafts',
			'permission_callback' => 'wpsb_rest_can_edit_posts',
			'args'                => array(
				'page'     => array(
					'type'    => 'integer',
					'default' => 1,
					'minimum' => 1,
				),
				'per_page' => array(
					'type'    => 'integer',
					'default' => 100,
					'minimum' => 1,
					'maximum' => 500,
				),
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/claim/(?P<id>\d+)',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_rest_claim',
			'allow_batch'         => array( 'v1' => true ),  // the daemon claims a round of drafts per request
			'permission_callback' => 'wpsb_rest_can_edit_posts',
			'args'                => array(
				'id'          => $id_arg,
				'expect_hash' => array(
					'type'     => 'string',
					'required' => true,
				),
				'daemon_id'   => array(
					'type'     => 'string',
					'required' => true,
				),
				'ttl_seconds' => array(
					'type'     => 'integer',
					'required' => true,
					'minimum'  => 1,
				),
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/state/(?P<id>\d+)',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_rest_state',
			'permission_callback' => 'wpsb_rest_can_edit_posts',
			'args'                => array(
				'id'         => $id_arg,
				'daemon_id'  => array(
					'type'     => 'string',
					'required' => true,
				),
				'state_json' => array(
					'type'     => 'string',
					'required' => true,
				),
			),
		)
	);
	register_rest_field(
		'post',
		'wp_seo_bridge_scores',
		array(
			'get_callback' => 'wpsb_rest_scores_field',
			'schema'       => array(
				'description' => 'wp-seo-bridge: Yoast\'s score meta, written only by a guarded update.',
				'type'        => array( 'object', 'null' ),
				'context'     => array( 'edit' ),
			),
		)
	);
	register_rest_field(
		'post',
		'wp_seo_bridge_stored',
		array(
			'get_callback' => 'wpsb_rest_stored_field',
			'schema'       => array(
				'description' => 'wp-seo-bridge: what a guarded update carrying wp_seo_bridge_expect_fingerprint stored.',
				'type'        => array( 'object', 'null' ),
				'context'     => array( 'edit' ),
				'readonly'    => true,
			),
		)
	);
	register_rest_field(
		'post',
		'seo_bridge',
		array(
			'get_callback' => 'wpsb_rest_seo_bridge_field',
			'schema'       => array(
				'description' => 'wp-seo-bridge: content hash, daemon state, editor lock, tag slugs.',
				'type'        => array( 'object', 'null' ),
				'context'     => array( 'edit' ),
				'readonly'    => true,
			),
		)
	);
}

/** @return true|WP_Error */
function wpsb_rest_can_edit_posts() {
	if ( current_user_can( 'edit_posts' ) ) {
		return true;
	}
	return new WP_Error( 'wpsb_cannot_edit', __( 'Sorry, you are not allowed to edit posts.', 'wp-seo-bridge' ), array( 'status' => rest_authorization_required_code() ) );
}

/** WP_Error from the shared rules, with REST's own code for "may not edit". */
function wpsb_rest_error( WP_Error $error ): WP_Error {
	$data = $error->get_error_data();
	if ( 401 === ( $data['status'] ?? 0 ) ) {
		$error->add_data( array( 'status' => rest_authorization_required_code() ) );
	}
	return $error;
}

function wpsb_rest_info(): WP_REST_Response {
	return rest_ensure_response( wpsb_site_info() );
}

/**
 * The drafts' listing rows, oldest id first, like wp.getPosts with the seo_bridge field over XML-RPC: core's
 * /wp/v2/posts stops at 100 a page, so a quiet pass over a large site would cost a request per 100 drafts.
 */
function wpsb_rest_drafts( WP_REST_Request $request ): WP_REST_Response {
	$query = new WP_Query(
		array(
			'post_type'      => 'post',
			'post_status'    => 'draft',
			'orderby'        => 'ID',
			'order'          => 'ASC',
			'posts_per_page' => (int) $request['per_page'],
			'paged'          => (int) $request['page'],
			// Users who may not edit others' posts count and list their own drafts only: X-WP-Total must not
			// tell a contributor how many drafts the newsroom has.
			'perm'           => 'editable',
		)
	);
	$rows  = array();
	foreach ( $query->posts as $post ) {
		if ( current_user_can( 'edit_post', $post->ID ) ) {  // as wp.getPosts: only what this user may edit
			$rows[] = array(
				'id'           => $post->ID,
				'status'       => $post->post_status,
				// As core's prepare_date_response: a zero date (some imports) is null, not year -1.
				'modified_gmt' => '0000-00-00 00:00:00' === $post->post_modified_gmt ? null : mysql_to_rfc3339( $post->post_modified_gmt ),
				'seo_bridge'   => wpsb_post_summary( $post->ID, $post->post_title, $post->post_content ),
			);
		}
	}
	$response = rest_ensure_response( $rows );
	$response->header( 'X-WP-Total', (string) $query->found_posts );
	$response->header( 'X-WP-TotalPages', (string) max( 1, (int) $query->max_num_pages ) );
	return $response;
}

/** @return WP_REST_Response|WP_Error */
function wpsb_rest_claim( WP_REST_Request $request ) {
	$post_id = (int) $request['id'];
	$result  = wpsb_claim( $post_id, (string) $request['expect_hash'], (string) $request['daemon_id'], (int) $request['ttl_seconds'] );
	if ( is_wp_error( $result ) ) {
		return wpsb_rest_error( $result );
	}
	if ( wpsb_claims_live_post( $post_id ) ) {
		return rest_ensure_response( wpsb_refresh_rest_post( get_post( $post_id ) ) );  // the bot may not read it in context=edit
	}
	$read = new WP_REST_Request( 'GET', "/wp/v2/posts/$post_id" );
	$read->set_param( 'context', 'edit' );
	return rest_do_request( $read );
}

/** @return WP_REST_Response|WP_Error */
function wpsb_rest_state( WP_REST_Request $request ) {
	$post_id = (int) $request['id'];
	$result  = wpsb_record_state( $post_id, (string) $request['daemon_id'], (string) $request['state_json'] );
	if ( is_wp_error( $result ) ) {
		return wpsb_rest_error( $result );
	}
	return rest_ensure_response(
		array(
			'post_id' => $post_id,
			'state'   => wpsb_state_json( $post_id ),
		)
	);
}

function wpsb_rest_scores_field( array $data ): ?array {
	$post_id = (int) $data['id'];
	if ( ! current_user_can( 'edit_post', $post_id ) ) {
		return null;
	}
	$scores = array();
	foreach ( WPSB_SCORE_KEYS as $key ) {
		$scores[ $key ] = (string) get_post_meta( $post_id, $key, true );
	}
	return $scores;
}

/** {fingerprint, rolled_back, content?} of this request's checked write of the post, else null. */
function wpsb_rest_stored_field( array $data ): ?array {
	return wpsb_stored_check_end( (int) $data['id'] );
}

function wpsb_rest_seo_bridge_field( array $data ): ?array {
	$post = get_post( (int) $data['id'] );
	if ( ! $post || ! current_user_can( 'edit_post', $post->ID ) ) {
		return null;
	}
	return wpsb_post_summary( $post->ID, $post->post_title, $post->post_content );
}

/**
 * Guard on REST updates of posts, checked under the post's lock before WordPress writes anything.
 *
 * @param stdClass        $prepared_post
 * @param WP_REST_Request $request
 * @return stdClass|WP_Error
 */
function wpsb_rest_guard_update( $prepared_post, $request ) {
	if ( empty( $prepared_post->ID ) || ! $request instanceof WP_REST_Request ) {
		return $prepared_post;  // a creation: nothing to protect
	}
	$post_id = (int) $prepared_post->ID;

	$since = $request->get_param( 'wp_seo_bridge_if_unmodified_since' );
	if ( null !== $since ) {
		$since_ts = wpsb_parse_utc( (string) $since );
		if ( ! $since_ts ) {
			return wpsb_error( 400, 'wpsb_bad_date', 'wp_seo_bridge_if_unmodified_since must be an ISO 8601 date (UTC).' );
		}
		$post = wpsb_locked_post_for_edit( $post_id );
		if ( is_wp_error( $post ) ) {
			return wpsb_rest_error( $post );
		}
		if ( wpsb_modified_ts( $post ) > $since_ts ) {
			return wpsb_error( 409, 'wpsb_modified', 'The post was modified since it was read.' );
		}
	}

	$hash   = $request->get_param( 'wp_seo_bridge_expect_hash' );
	$daemon = $request->get_param( 'wp_seo_bridge_daemon' );
	if ( null === $hash && null === $daemon ) {
		return $prepared_post;
	}
	if ( null === $hash || null === $daemon ) {
		return wpsb_error( 400, 'wpsb_half_guard', 'A guarded write needs both wp_seo_bridge_expect_hash and wp_seo_bridge_daemon.' );
	}
	$status = $request->get_param( 'status' );
	$result = wpsb_guard_write(
		$post_id,
		(string) $hash,
		(string) $daemon,
		null === $status ? null : (string) $status,
		(string) $request->get_param( 'wp_seo_bridge_expect_fingerprint' )
	);
	return is_wp_error( $result ) ? wpsb_rest_error( $result ) : $prepared_post;
}

/** ISO 8601 date to a timestamp; without a zone it is UTC, as REST's modified_gmt is. False when invalid. */
function wpsb_parse_utc( string $date ) {
	if ( ! preg_match( '/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i', $date, $m ) ) {
		return false;
	}
	return strtotime( empty( $m[2] ) ? $date . 'Z' : $date );
}

/**
 * When the post was last modified. Drafts created with a date but never updated (REST, wp_insert_post) store
 * a zero post_modified_gmt: derive it from the local time then, as REST's own modified_gmt does.
 */
function wpsb_modified_ts( WP_Post $post ): int {
	$gmt = '0000-00-00 00:00:00' === $post->post_modified_gmt ? get_gmt_from_date( $post->post_modified ) : $post->post_modified_gmt;
	return (int) strtotime( $gmt . ' UTC' );
}

/**
 * Core's /wp/v2/posts?status=draft lists only the drafts a contributor may edit, but its X-WP-Total counts them
 * all: for users who may not edit others' posts, a listing of non-public statuses counts their own posts only.
 *
 * @param array $args WP_Query arguments.
 */
function wpsb_rest_own_drafts_only( $args ): array {
	$statuses = array_filter( (array) ( $args['post_status'] ?? array() ) );
	if ( ! $statuses || current_user_can( 'edit_others_posts' ) ) {
		return (array) $args;
	}
	foreach ( $statuses as $status ) {
		$object = get_post_status_object( (string) $status );
		if ( ! $object || $object->public ) {
			return (array) $args;  // a listing that includes public posts: core's own rules
		}
	}
	$args['perm'] = 'editable';
	return (array) $args;
}
