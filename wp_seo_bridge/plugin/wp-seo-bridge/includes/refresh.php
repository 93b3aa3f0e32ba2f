<?php
/**
 * Refresh of published (and scheduled) posts: the daemon's rewrite becomes a PROPOSAL beside the live post, and
 * only an editor's Approve copies it onto the live post. State and operations only; no output (views:
 * includes/refresh-views.php).
 *
 * Storage: one child post per live post, of the private post type wpsb_proposal (post_parent = the live post),
 * holding the proposed title and content, and in its meta the proposed Yoast fields and the daemon's state. The
 * type is not public, not queryable, has no REST route, no rewrite rules and no revisions, so core's queries,
 * feeds, search, sitemaps and Yoast (which builds indexables for public types only, and is told to exclude it
 * anyway) never see it, and caching plugins, which purge on a public post's save, ignore it.
 *
 * On the live post the plugin keeps, in keys nobody can write over the APIs (protected and unregistered):
 *   _wp_seo_bridge_refresh         the daemon's bookkeeping for the live post (claimed, released, failed,
 *                                  rewritten = a proposal is open, approved, rejected), like a draft's state;
 *   _wp_seo_bridge_refresh_asked   '1': an editor asked for a refresh (row or bulk action "Refresh SEO");
 *   _wp_seo_bridge_refresh_before  the live title, content and Yoast fields an Approve replaced (Roll back);
 *   _wp_seo_bridge_refresh_done    when this live version's refresh was settled (proposal made, approved, rejected,
 *                                  failed): the SQL of the age pick compares it with post_modified_gmt, since it
 *                                  cannot compare the content hashes the daemon's rules use.
 *
 * The admin may also let the daemon pick published posts not modified for N days (at most M a pass, oldest or
 * weakest Yoast SEO score first): they are listed after the tagged and asked ones, by one query.
 *
 * The daemon (both transports, the same calls as a draft): lists the candidates (seobridge.listRefresh,
 * GET /refresh), claims them with the draft's claim call (includes/claims.php delegates here for a published
 * post), and writes ONE proposal per live version (seobridge.proposeRefresh, POST /propose/<id>), under the
 * post's lock, with the live post's content hash and its own live claim. Nothing of the daemon's writes the live
 * post: its role cannot edit published posts, and includes/robot.php refuses any save of a live post by it.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_PROPOSAL_TYPE    = 'wpsb_proposal';
const WPSB_REFRESH_STATUSES = array( 'publish', 'future' );
const WPSB_REFRESH_MAX_PAGE = 500;
// The states that settle a live version: the daemon does not rewrite it again (wp_seo_bridge/select).
const WPSB_REFRESH_SETTLED = array( WPSB_STATE_REWRITTEN, WPSB_STATE_APPROVED, WPSB_STATE_REJECTED, WPSB_STATE_FAILED );

/** Every hook of this file. */
function wpsb_refresh_hooks(): void {
	add_action( 'init', 'wpsb_refresh_register_type' );
	add_filter( 'wpseo_indexable_excluded_post_types', 'wpsb_refresh_not_for_yoast' );
	add_filter( 'xmlrpc_methods', 'wpsb_refresh_xmlrpc_methods' );
	add_action( 'rest_api_init', 'wpsb_refresh_rest_register' );
	add_action( 'before_delete_post', 'wpsb_refresh_delete_with_live' );
	add_action( 'post_updated', 'wpsb_refresh_keep_settled', 10, 2 );
}

function wpsb_refresh_register_type(): void {
	register_post_type(
		WPSB_PROPOSAL_TYPE,
		array(
			'label'               => 'SEO Bridge proposal',
			'public'              => false,
			'publicly_queryable'  => false,
			'exclude_from_search' => true,
			'show_ui'             => false,
			'show_in_nav_menus'   => false,
			'show_in_rest'        => false,
			'has_archive'         => false,
			'query_var'           => false,
			'rewrite'             => false,
			'can_export'          => false,
			'supports'            => array( 'title', 'editor' ),  // no revisions: its history is the live post's
			// Only the plugin's guarded proposeRefresh creates one (wp_insert_post, no capability asked): through
			// core's APIs nobody may, or an author could plant a "proposal" beside someone else's live post.
			'capabilities'        => array( 'create_posts' => 'do_not_allow' ),
			'map_meta_cap'        => true,  // as for posts (given capabilities, WordPress would turn it off)
		)
	);
}

function wpsb_refresh_not_for_yoast( $types ): array {
	$types   = is_array( $types ) ? $types : array();
	$types[] = WPSB_PROPOSAL_TYPE;
	return $types;
}

/** A deleted live post takes its proposal with it. */
function wpsb_refresh_delete_with_live( $post_id ): void {
	$proposal = 'post' === get_post_type( (int) $post_id ) ? wpsb_refresh_proposal( (int) $post_id ) : null;
	if ( $proposal ) {
		wp_delete_post( $proposal->ID, true );
	}
}

function wpsb_refresh_enabled(): bool {
	return '1' === (string) get_option( WPSB_REFRESH_OPTION, '0' );
}

function wpsb_refresh_is_live( WP_Post $post ): bool {
	return 'post' === $post->post_type && in_array( $post->post_status, WPSB_REFRESH_STATUSES, true );
}

/** A live post opted in: it carries the opt-in tag, an editor asked ("Refresh SEO"), or it is old enough to pick. */
function wpsb_refresh_opted_in( WP_Post $post ): bool {
	return '1' === (string) get_post_meta( $post->ID, WPSB_REFRESH_ASKED_KEY, true )
		|| has_term( wpsb_option( WPSB_OPTION_OPT_IN_TAG ), 'post_tag', $post )
		|| wpsb_refresh_old_enough( $post );
}

/** The admin's age pick: N days (0 = off), at most M a pass, 'oldest' or 'weakest' first. */
function wpsb_refresh_age_days(): int {
	return (int) wpsb_sanitize_refresh_age( get_option( WPSB_REFRESH_AGE_OPTION, '0' ) );
}

function wpsb_refresh_pick_max(): int {
	return (int) wpsb_sanitize_refresh_pick( get_option( WPSB_REFRESH_PICK_OPTION, WPSB_REFRESH_PICK_DEFAULT ) );
}

/** Published (not scheduled: a future post is not old) and not modified for the admin's N days. */
function wpsb_refresh_old_enough( WP_Post $post ): bool {
	$days = wpsb_refresh_age_days();
	return $days > 0 && 'publish' === $post->post_status && '0000-00-00 00:00:00' !== $post->post_modified_gmt
		&& strtotime( $post->post_modified_gmt . ' UTC' ) < time() - $days * DAY_IN_SECONDS;
}

function wpsb_refresh_state_json( int $post_id ): string {
	return (string) get_post_meta( $post_id, WPSB_REFRESH_KEY, true );
}

/** The daemon's bookkeeping for a live post (BridgeState as an array), null when none. */
function wpsb_refresh_state( int $post_id ): ?array {
	$state = json_decode( wpsb_refresh_state_json( $post_id ), true );
	return ( is_array( $state ) && isset( $state['state'] ) && is_string( $state['state'] ) ) ? $state : null;
}

/** The plugin's own writes of its keys on the live post, past the gates of meta.php and robot.php. */
function wpsb_refresh_write_meta( int $post_id, string $key, ?string $value ): void {
	WPSB_Request::trusted( static fn() => null === $value ? delete_post_meta( $post_id, $key ) : update_post_meta( $post_id, $key, wp_slash( $value ) ) );
}

function wpsb_refresh_write_state( int $post_id, array $state ): void {
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_KEY, wp_json_encode( $state, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) );
	wpsb_refresh_mark_settled( $post_id, (string) ( $state['state'] ?? '' ) );
}

/** A settled state stamps the live version (see WPSB_REFRESH_DONE_KEY above); a claim or a release does not. */
function wpsb_refresh_mark_settled( int $post_id, string $state ): void {
	if ( in_array( $state, WPSB_REFRESH_SETTLED, true ) ) {
		wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_DONE_KEY, gmdate( 'Y-m-d H:i:s' ) );
	}
}

/**
 * A save that leaves the settled version's text as it was (a tag, a category, a Yoast field) keeps it settled:
 * the daemon's rules would skip it by hash, and the age pick must not fill its M places with it.
 */
function wpsb_refresh_keep_settled( $post_id, $post ): void {
	if ( ! $post instanceof WP_Post || 'post' !== $post->post_type || '' === (string) get_post_meta( $post->ID, WPSB_REFRESH_DONE_KEY, true ) ) {
		return;
	}
	$state = wpsb_refresh_state( $post->ID );
	$hash  = wpsb_refresh_hash( $post );
	if ( $state && in_array( $state['state'], WPSB_REFRESH_SETTLED, true )
		&& in_array( $hash, array( $state['source_hash'] ?? '', $state['result_hash'] ?? '' ), true ) ) {
		wpsb_refresh_write_meta( $post->ID, WPSB_REFRESH_DONE_KEY, $post->post_modified_gmt );
	}
}

/** The open proposal of a live post: the one its refresh state names, else (none named) the newest child. */
function wpsb_refresh_proposal( int $post_id ): ?WP_Post {
	$named = (int) ( wpsb_refresh_state( $post_id )['proposal'] ?? 0 );
	$post  = $named ? get_post( $named ) : null;
	if ( $post && WPSB_PROPOSAL_TYPE === $post->post_type && $post_id === (int) $post->post_parent ) {
		return $post;
	}
	$found = get_posts(
		array(
			'post_type'        => WPSB_PROPOSAL_TYPE,
			'post_status'      => 'any',
			'post_parent'      => $post_id,
			'orderby'          => 'ID',
			'order'            => 'DESC',
			'posts_per_page'   => 1,
			'suppress_filters' => true,
		)
	);
	return $found ? $found[0] : null;
}

/** The proposal's state (the daemon's report, usage...) as the guarded proposal stored it. */
function wpsb_refresh_proposal_state( WP_Post $proposal ): array {
	$state = json_decode( (string) get_post_meta( $proposal->ID, WPSB_STATE_KEY, true ), true );
	return is_array( $state ) ? $state : array();
}

/** @return array<string, string> the three Yoast fields of a post (live or proposal), '' when unset */
function wpsb_refresh_yoast( int $post_id ): array {
	$out = array();
	foreach ( WPSB_YOAST_KEYS as $key ) {
		$out[ $key ] = (string) get_post_meta( $post_id, $key, true );
	}
	return $out;
}

/** Writes the three Yoast fields ('' deletes the key, as Yoast itself does for an empty value). */
function wpsb_refresh_set_yoast( int $post_id, array $values ): void {
	foreach ( WPSB_YOAST_KEYS as $key ) {
		$value = isset( $values[ $key ] ) && is_scalar( $values[ $key ] ) ? (string) $values[ $key ] : '';
		if ( '' === $value ) {
			delete_post_meta( $post_id, $key );
		} else {
			update_post_meta( $post_id, $key, wp_slash( $value ) );
		}
	}
}

function wpsb_refresh_hash( WP_Post $post ): string {
	return wpsb_content_hash( $post->post_title, $post->post_content );
}

// --- the daemon's side ---------------------------------------------------------------------------------

/** The listing row of a live post: what selection needs, as for a draft (seo_bridge.kind says refresh). */
function wpsb_refresh_summary( WP_Post $post ): array {
	$tags = get_the_terms( $post->ID, 'post_tag' );
	return array(
		'kind'         => 'refresh',
		'content_hash' => wpsb_refresh_hash( $post ),
		'state'        => wpsb_refresh_state_json( $post->ID ),
		'locked_by'    => wpsb_locked_by( $post->ID ),
		'tags'         => is_array( $tags ) ? array_values( wp_list_pluck( $tags, 'slug' ) ) : array(),
	);
}

/**
 * The opted-in live posts (tag or "Refresh SEO"), oldest id first, when the admin switched refreshes on; an empty
 * list otherwise. Password-protected posts are left out.
 *
 * @return array{posts: array, total: int, pages: int}
 */
function wpsb_refresh_candidates( int $page, int $per_page ): array {
	$per_page = max( 1, min( WPSB_REFRESH_MAX_PAGE, $per_page ) );
	$page     = max( 1, $page );
	if ( ! wpsb_refresh_enabled() ) {
		return array(
			'posts' => array(),
			'total' => 0,
			'pages' => 1,
		);
	}
	$base   = array(
		'post_type'        => 'post',
		'post_status'      => WPSB_REFRESH_STATUSES,
		'has_password'     => false,
		'fields'           => 'ids',
		'posts_per_page'   => -1,
		'orderby'          => 'ID',
		'order'            => 'ASC',
		'suppress_filters' => true,
	);
	$tagged = get_posts(
		$base + array(
			'tax_query' => array(  // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_tax_query -- once per pass
				array(
					'taxonomy' => 'post_tag',
					'field'    => 'slug',
					'terms'    => wpsb_option( WPSB_OPTION_OPT_IN_TAG ),
				),
			),
		)
	);
	$asked  = get_posts(
		$base + array(
			'meta_key'   => WPSB_REFRESH_ASKED_KEY,  // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_key -- once per pass
			'meta_value' => '1',  // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_value -- once per pass
		)
	);
	$ids    = array_values( array_unique( array_map( 'intval', array_merge( $tagged, $asked ) ) ) );
	sort( $ids );
	// The age pick comes after the posts somebody asked for, in its own order.
	$ids = array_merge( $ids, array_values( array_diff( wpsb_refresh_pick_old(), $ids ) ) );
	$total = count( $ids );
	$slice = array_slice( $ids, ( $page - 1 ) * $per_page, $per_page );
	$rows  = array();
	if ( $slice ) {
		_prime_post_caches( $slice, true, true );
	}
	foreach ( $slice as $id ) {
		$post = get_post( $id );
		if ( $post ) {
			$rows[] = array(
				'id'           => $post->ID,
				'status'       => $post->post_status,
				'modified_gmt' => '0000-00-00 00:00:00' === $post->post_modified_gmt ? '' : mysql_to_rfc3339( $post->post_modified_gmt ),
				'seo_bridge'   => wpsb_refresh_summary( $post ),
			);
		}
	}
	return array(
		'posts' => $rows,
		'total' => $total,
		'pages' => max( 1, (int) ceil( $total / $per_page ) ),
	);
}

/**
 * The admin's age pick: at most M published posts not modified for N days, not tagged or asked (listed already),
 * and not settled for their live version; oldest first, or lowest Yoast SEO score first (posts Yoast has not
 * scored come after the scored ones, oldest first: an unknown score is not a weak one). One query, LIMIT M.
 *
 * @return int[]
 */
function wpsb_refresh_pick_old(): array {
	global $wpdb;
	$days = wpsb_refresh_age_days();
	if ( $days <= 0 ) {
		return array();
	}
	$tag = get_term_by( 'slug', wpsb_option( WPSB_OPTION_OPT_IN_TAG ), 'post_tag' );
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- one indexed query a pass; WP_Query cannot compare two columns
	$ids = $wpdb->get_col(
		$wpdb->prepare(
			"SELECT p.ID, ( SELECT MIN( CAST( s.meta_value AS UNSIGNED ) ) FROM {$wpdb->postmeta} s
				WHERE s.post_id = p.ID AND s.meta_key = %s AND s.meta_value <> '' ) AS score
			FROM {$wpdb->posts} p
			WHERE p.post_type = 'post' AND p.post_status = 'publish' AND p.post_password = ''
				AND p.post_modified_gmt > '0000-00-00 00:00:00' AND p.post_modified_gmt < %s
				AND NOT EXISTS ( SELECT 1 FROM {$wpdb->postmeta} d
					WHERE d.post_id = p.ID AND d.meta_key = %s AND d.meta_value >= p.post_modified_gmt )
				AND NOT EXISTS ( SELECT 1 FROM {$wpdb->postmeta} a
					WHERE a.post_id = p.ID AND a.meta_key = %s AND a.meta_value = '1' )
				AND NOT EXISTS ( SELECT 1 FROM {$wpdb->term_relationships} t
					WHERE t.object_id = p.ID AND t.term_taxonomy_id = %d )
			ORDER BY ( %d AND score IS NULL ), CASE WHEN %d THEN score END, p.post_modified_gmt, p.ID
			LIMIT %d",
			WPSB_YOAST_SEO_SCORE_KEY,
			gmdate( 'Y-m-d H:i:s', time() - $days * DAY_IN_SECONDS ),
			WPSB_REFRESH_DONE_KEY,
			WPSB_REFRESH_ASKED_KEY,
			$tag ? (int) $tag->term_taxonomy_id : 0,
			'weakest' === wpsb_option( WPSB_REFRESH_ORDER_OPTION ) ? 1 : 0,
			'weakest' === wpsb_option( WPSB_REFRESH_ORDER_OPTION ) ? 1 : 0,
			wpsb_refresh_pick_max()
		)
	);
	return array_map( 'intval', $ids );
}

/**
 * The live post for one of the daemon's refresh operations, read fresh under its lock: the daemon's account,
 * refreshes switched on, a published or scheduled post still opted in. The bot may not edit published posts, so
 * edit_post is not asked: these checks are the permission.
 *
 * @return WP_Post|WP_Error
 */
function wpsb_refresh_locked_live( int $post_id ) {
	if ( ! wpsb_is_daemon_account() ) {
		return wpsb_error( 401, 'wpsb_not_daemon', 'Sorry, only the SEO Bridge robot (or an editor) may do this.' );
	}
	if ( ! wpsb_refresh_enabled() ) {
		return wpsb_error( 403, 'wpsb_refresh_off', 'Refreshing published posts is switched off on this site (Settings → SEO Bridge).' );
	}
	$post = $post_id > 0 ? get_post( $post_id ) : null;
	if ( ! $post || 'post' !== $post->post_type ) {
		return wpsb_error( 404, 'wpsb_no_post', 'Invalid post ID.' );
	}
	if ( ! wpsb_lock_post( $post_id ) ) {
		return wpsb_error( 423, 'wpsb_busy', 'Another request is working on this post; try again later.' );
	}
	$post = get_post( $post_id );
	if ( ! $post || ! wpsb_refresh_is_live( $post ) ) {
		return wpsb_error( 409, 'wpsb_not_live', 'The post is no longer published or scheduled.' );
	}
	if ( '' !== $post->post_password || ! wpsb_refresh_opted_in( $post ) ) {
		return wpsb_error( 409, 'wpsb_not_opted_in', 'The post is not opted in for a refresh.' );
	}
	return $post;
}

/** Same live version, nobody in the editor. */
function wpsb_refresh_check_same( WP_Post $post, string $expect_hash ): ?WP_Error {
	if ( ! hash_equals( wpsb_refresh_hash( $post ), strtolower( $expect_hash ) ) ) {
		return wpsb_error( 409, 'wpsb_changed', 'The post changed since it was read.' );
	}
	$human = wpsb_locked_by( $post->ID );
	return $human ? wpsb_error( 423, 'wpsb_edit_locked', "The post is open in the editor (user $human)." ) : null;
}

function wpsb_refresh_claim_by( int $post_id ): string {
	$state = wpsb_refresh_state( $post_id );
	if ( ! $state || WPSB_STATE_CLAIMED !== $state['state'] ) {
		return '';
	}
	$until = strtotime( (string) ( $state['claim_until'] ?? '' ) );
	return ( $until && $until > time() ) ? (string) ( $state['by'] ?? '' ) : '';
}

/**
 * wpsb_claim() for a live post: the same rules (hash, editor lock, another daemon's live claim), the state kept in
 * the live post's refresh key.
 *
 * @return true|WP_Error
 */
function wpsb_refresh_claim( int $post_id, string $expect_hash, string $daemon, int $ttl ) {
	$post = wpsb_refresh_locked_live( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$error = wpsb_refresh_check_same( $post, $expect_hash );
	if ( $error ) {
		return $error;
	}
	$holder = wpsb_refresh_claim_by( $post_id );
	if ( '' !== $holder && $holder !== $daemon ) {
		return wpsb_error( 423, 'wpsb_claimed', 'Another daemon is working on this post.' );
	}
	$now = time();
	wpsb_refresh_write_state(
		$post_id,
		array(
			'state'       => WPSB_STATE_CLAIMED,
			'source_hash' => wpsb_refresh_hash( $post ),
			'by'          => $daemon,
			'at'          => wpsb_now_iso( $now ),
			'claim_until' => wpsb_now_iso( $now + min( $ttl, WPSB_MAX_TTL_S ) ),
		)
	);
	return true;
}

/**
 * wpsb_record_state() for a live post: a failure or a release, by the daemon holding the claim.
 *
 * @return true|WP_Error
 */
function wpsb_refresh_record( int $post_id, string $daemon, array $state, string $state_json ) {
	$post = wpsb_refresh_locked_live( $post_id );
	if ( is_wp_error( $post ) && 'wpsb_not_opted_in' !== $post->get_error_code() ) {
		return $post;  // a failure may be recorded on a post un-flagged meanwhile
	}
	$current = wpsb_refresh_state( $post_id );
	if ( ! $current || WPSB_STATE_CLAIMED !== $current['state'] || ( $current['by'] ?? '' ) !== $daemon ) {
		return wpsb_error( 409, 'wpsb_not_claimed', 'This daemon holds no claim on the post.' );
	}
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_KEY, $state_json );
	wpsb_refresh_mark_settled( $post_id, (string) ( $state['state'] ?? '' ) );
	return true;
}

/**
 * The post as the daemon's claim answers it (core's wp.getPost / REST read would refuse the bot, which may not
 * edit published posts): title, content, dates, tags, the Yoast fields and the refresh state.
 */
function wpsb_refresh_post_fields( WP_Post $post ): array {
	$meta = wpsb_refresh_yoast( $post->ID );
	// The refresh state, under the key the daemon reads a post's state from.
	$meta[ WPSB_STATE_KEY ] = wpsb_refresh_state_json( $post->ID );
	$tags                   = get_the_terms( $post->ID, 'post_tag' );
	return array(
		'id'           => $post->ID,
		'title'        => $post->post_title,
		'content'      => $post->post_content,
		'status'       => $post->post_status,
		'slug'         => $post->post_name,
		'modified_gmt' => $post->post_modified_gmt,
		'tags'         => is_array( $tags ) ? array_values( wp_list_pluck( $tags, 'slug' ) ) : array(),
		'meta'         => array_filter( $meta, 'strlen' ),
		'seo_bridge'   => wpsb_refresh_summary( $post ),
	);
}

/** The proposal's stored values, keyed as the daemon sent them (its read-back proof). */
function wpsb_refresh_stored( WP_Post $proposal, array $keys ): array {
	$stored = array();
	foreach ( $keys as $key ) {
		$stored[ $key ] = (string) get_post_meta( $proposal->ID, $key, true );
	}
	return $stored;
}

/**
 * The daemon's single write for a live post: creates or updates its proposal, never the live post. Same guard as a
 * draft's write: the live version the daemon read (hash, and the modification date when given), no human in the
 * editor, and this daemon's live claim.
 *
 * With the fingerprint of the content it sends, the whole write (proposal, its meta, the live post's state) is
 * kept only if the proposal's stored content has it, as for a draft (wpsb_stored_check_begin); then
 * wpsb_stored_check_end( $post_id ) says what was stored.
 *
 * @param array<string, string> $meta the Yoast fields, the daemon's state and previous values, the scores
 * @return WP_Post|WP_Error the proposal
 */
function wpsb_refresh_propose( int $post_id, string $expect_hash, string $daemon, string $title, string $content, array $meta, int $since = 0, string $expect_fingerprint = '' ) {
	$error = wpsb_check_daemon_id( $daemon );
	if ( $error ) {
		return $error;
	}
	$post = wpsb_refresh_locked_live( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	if ( $since && wpsb_modified_ts( $post ) > $since ) {
		return wpsb_error( 409, 'wpsb_modified', 'The post was modified since it was read.' );
	}
	$error = wpsb_refresh_check_same( $post, $expect_hash );
	if ( $error ) {
		return $error;
	}
	if ( wpsb_refresh_claim_by( $post_id ) !== $daemon ) {
		return wpsb_error( 409, 'wpsb_not_claimed', 'This daemon holds no live claim on the post.' );
	}
	$state = json_decode( (string) ( $meta[ WPSB_STATE_KEY ] ?? '' ), true );
	if ( ! is_array( $state ) || WPSB_STATE_REWRITTEN !== ( $state['state'] ?? '' ) || strlen( (string) $meta[ WPSB_STATE_KEY ] ) > WPSB_MAX_STATE_B ) {
		return wpsb_error( 400, 'wpsb_bad_state', 'A proposal carries the daemon\'s "rewritten" state.' );
	}
	if ( '' !== $expect_fingerprint ) {
		wpsb_stored_check_begin( $post_id, $expect_fingerprint );
	}
	$existing = wpsb_refresh_proposal( $post_id );
	$fields   = array(
		'ID'           => $existing ? $existing->ID : 0,
		'post_type'    => WPSB_PROPOSAL_TYPE,
		'post_status'  => 'pending',
		'post_parent'  => $post_id,
		'post_title'   => $title,
		'post_content' => $content,
	);
	// includes/robot.php lets this one save through.
	$proposal_id = WPSB_Request::for_proposal( $post_id, static fn() => wp_insert_post( wp_slash( $fields ), true ) );
	if ( is_wp_error( $proposal_id ) || ! $proposal_id ) {
		return is_wp_error( $proposal_id ) ? $proposal_id : wpsb_error( 500, 'wpsb_proposal_failed', 'WordPress could not save the proposal.' );
	}
	$proposal = get_post( $proposal_id );
	$allowed  = array_merge( wpsb_meta_keys(), WPSB_SCORE_KEYS );
	foreach ( $meta as $key => $value ) {  // stored as sent: the daemon compares them with what it sent
		if ( in_array( $key, $allowed, true ) && is_scalar( $value ) ) {
			wpsb_refresh_write_meta( $proposal_id, $key, (string) $value );
		}
	}
	// On the live post: the same record, with what WordPress stored (kses may have filtered the daemon's HTML).
	$state['result_hash'] = wpsb_refresh_hash( $proposal );
	$state['kind']        = 'refresh';
	$state['proposal']    = $proposal_id;
	wpsb_refresh_write_state( $post_id, $state );
	wpsb_refresh_write_meta( $post_id, WPSB_NOTIFY_DUE_KEY, '1' );  // the pass's review e-mail lists it
	wpsb_stored_check_end( $post_id, $proposal_id );  // commit, or roll back all of the above
	return $proposal;
}

// --- XML-RPC and REST ----------------------------------------------------------------------------------

function wpsb_refresh_xmlrpc_methods( array $methods ): array {
	$methods['seobridge.listRefresh']    = 'wpsb_refresh_xmlrpc_list';
	$methods['seobridge.proposeRefresh'] = 'wpsb_refresh_xmlrpc_propose';
	return $methods;
}

/** @return array|IXR_Error */
function wpsb_refresh_xmlrpc_list( $args ) {
	global $wp_xmlrpc_server;
	$args = (array) $args;
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.listRefresh', $args, 3 ) ) {
		return $wp_xmlrpc_server->error;
	}
	if ( ! wpsb_is_daemon_account() ) {
		return new IXR_Error( 401, __( 'Sorry, you are not allowed to edit posts.', 'wp-seo-bridge' ) );
	}
	$query = isset( $args[3] ) && is_array( $args[3] ) ? $args[3] : array();
	return wpsb_xml_clean( wpsb_refresh_candidates( (int) ( $query['page'] ?? 1 ), (int) ( $query['per_page'] ?? WPSB_REFRESH_MAX_PAGE ) ) );
}

/** The claimed live post as wp.getPost shapes a post (the fields the daemon reads). */
function wpsb_refresh_xmlrpc_struct( WP_Post $post ): array {
	$fields = wpsb_refresh_post_fields( $post );
	$custom = array();
	foreach ( $fields['meta'] as $key => $value ) {
		$custom[] = array(
			'key'   => $key,
			'value' => $value,
		);
	}
	return wpsb_xml_clean(
		array(
			'post_id'           => (string) $post->ID,
			'post_title'        => $fields['title'],
			'post_content'      => $fields['content'],
			'post_status'       => $fields['status'],
			'post_name'         => $fields['slug'],
			'post_modified_gmt' => new IXR_Date( mysql2date( 'Ymd\TH:i:s', $post->post_modified_gmt, false ) ),
			'terms'             => array_map(
				static fn( $slug ) => array(
					'taxonomy' => 'post_tag',
					'slug'     => $slug,
				),
				$fields['tags']
			),
			'custom_fields'     => $custom,
			'seo_bridge'        => $fields['seo_bridge'],
		)
	);
}

/**
 * seobridge.proposeRefresh(blog_id, user, pass, post_id, struct): struct as the draft's guarded wp.editPost
 * (post_title, post_content, custom_fields, seo_bridge_expect_hash, seo_bridge_daemon, seo_bridge_scores,
 * seo_bridge_expect_fingerprint, if_not_modified_since; post_name and post_status are ignored). Answers
 * {post_status, meta} as stored on the proposal, and content {fingerprint, rolled_back, content?} when the
 * fingerprint was sent.
 *
 * @return array|IXR_Error
 */
function wpsb_refresh_xmlrpc_propose( $args ) {
	global $wp_xmlrpc_server;
	$args = (array) $args;
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.proposeRefresh', $args, 5 ) ) {
		return $wp_xmlrpc_server->error;
	}
	$struct = is_array( $args[4] ?? null ) ? wp_unslash( $args[4] ) : array();
	$meta   = array();
	foreach ( (array) ( $struct['custom_fields'] ?? array() ) as $field ) {
		if ( is_array( $field ) && isset( $field['key'] ) ) {
			$meta[ (string) $field['key'] ] = (string) ( $field['value'] ?? '' );
		}
	}
	foreach ( (array) ( $struct['seo_bridge_scores'] ?? array() ) as $key => $value ) {
		$meta[ (string) $key ] = is_numeric( $value ) ? (string) max( 0, min( 100, (int) $value ) ) : '';
	}
	$since  = $struct['if_not_modified_since'] ?? null;
	$since  = $since instanceof IXR_Date ? $since->getTimestamp() : 0;
	$result = wpsb_refresh_propose(
		(int) $args[3],
		(string) ( $struct['seo_bridge_expect_hash'] ?? '' ),
		(string) ( $struct['seo_bridge_daemon'] ?? '' ),
		(string) ( $struct['post_title'] ?? '' ),
		(string) ( $struct['post_content'] ?? '' ),
		$meta,
		(int) $since,
		(string) ( $struct['seo_bridge_expect_fingerprint'] ?? '' )
	);
	if ( is_wp_error( $result ) ) {
		return wpsb_ixr_error( $result );
	}
	$answer = array(
		'post_status' => $result->post_status,
		'meta'        => (object) wpsb_xml_clean( wpsb_refresh_stored( $result, array_keys( $meta ) ) ),
	);
	$stored = wpsb_stored_check_end( (int) $args[3] );
	if ( null !== $stored ) {
		$answer['content'] = $stored;
	}
	return $answer;
}

function wpsb_refresh_rest_register(): void {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/refresh',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_refresh_rest_list',
			'permission_callback' => 'wpsb_rest_is_daemon_account',
			'args'                => array(
				'page'     => array(
					'type'    => 'integer',
					'default' => 1,
					'minimum' => 1,
				),
				'per_page' => array(
					'type'    => 'integer',
					'default' => WPSB_REFRESH_MAX_PAGE,
					'minimum' => 1,
					'maximum' => WPSB_REFRESH_MAX_PAGE,
				),
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/propose/(?P<id>\d+)',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_refresh_rest_propose',
			'permission_callback' => 'wpsb_rest_is_daemon_account',
			'args'                => array(
				'id'                        => array(
					'type'     => 'integer',
					'required' => true,
				),
				'wp_seo_bridge_expect_hash' => array(
					'type'     => 'string',
					'required' => true,
				),
				'wp_seo_bridge_daemon'      => array(
					'type'     => 'string',
					'required' => true,
				),
			),
		)
	);
}

function wpsb_refresh_rest_list( WP_REST_Request $request ): WP_REST_Response {
	return rest_ensure_response( wpsb_refresh_candidates( (int) $request['page'], (int) $request['per_page'] ) );
}

/** The claimed live post as REST's context=edit shapes a post (the fields the daemon reads). */
function wpsb_refresh_rest_post( WP_Post $post ): array {
	$fields = wpsb_refresh_post_fields( $post );
	return array(
		'id'           => $post->ID,
		'title'        => array( 'raw' => $fields['title'] ),
		'content'      => array( 'raw' => $fields['content'] ),
		'status'       => $fields['status'],
		'slug'         => $fields['slug'],
		'modified_gmt' => '0000-00-00 00:00:00' === $post->post_modified_gmt ? null : mysql_to_rfc3339( $post->post_modified_gmt ),
		'meta'         => $fields['meta'],
		'seo_bridge'   => $fields['seo_bridge'],
	);
}

/**
 * POST /propose/<id>: body as the draft's guarded update (title, content, meta, wp_seo_bridge_expect_hash,
 * wp_seo_bridge_daemon, wp_seo_bridge_scores, wp_seo_bridge_expect_fingerprint, wp_seo_bridge_if_unmodified_since);
 * answers {status, meta, wp_seo_bridge_scores} as stored on the proposal, and wp_seo_bridge_stored as a draft's
 * update does (null without a fingerprint).
 *
 * @return WP_REST_Response|WP_Error
 */
function wpsb_refresh_rest_propose( WP_REST_Request $request ) {
	$meta = array();
	foreach ( (array) $request->get_param( 'meta' ) as $key => $value ) {
		$meta[ (string) $key ] = is_scalar( $value ) ? (string) $value : '';
	}
	$scores = array();
	foreach ( (array) $request->get_param( 'wp_seo_bridge_scores' ) as $key => $value ) {
		$scores[ (string) $key ] = is_numeric( $value ) ? (string) max( 0, min( 100, (int) $value ) ) : '';
	}
	$since = 0;
	if ( null !== $request->get_param( 'wp_seo_bridge_if_unmodified_since' ) ) {
		$since = wpsb_parse_utc( (string) $request->get_param( 'wp_seo_bridge_if_unmodified_since' ) );
		if ( ! $since ) {
			return wpsb_error( 400, 'wpsb_bad_date', 'wp_seo_bridge_if_unmodified_since must be an ISO 8601 date (UTC).' );
		}
	}
	$result = wpsb_refresh_propose(
		(int) $request['id'],
		(string) $request->get_param( 'wp_seo_bridge_expect_hash' ),
		(string) $request->get_param( 'wp_seo_bridge_daemon' ),
		(string) $request->get_param( 'title' ),
		(string) $request->get_param( 'content' ),
		array_merge( $meta, $scores ),
		(int) $since,
		(string) $request->get_param( 'wp_seo_bridge_expect_fingerprint' )
	);
	if ( is_wp_error( $result ) ) {
		return wpsb_rest_error( $result );
	}
	return rest_ensure_response(
		array(
			'id'                   => (int) $request['id'],
			'status'               => $result->post_status,
			'meta'                 => wpsb_refresh_stored( $result, array_keys( $meta ) ),
			'wp_seo_bridge_scores' => wpsb_refresh_stored( $result, array_keys( $scores ) ),
			'wp_seo_bridge_stored' => wpsb_stored_check_end( (int) $request['id'] ),
		)
	);
}

// --- the editors' decisions ----------------------------------------------------------------------------

/**
 * The live post for an editor's decision, locked against the daemon: the user may edit it, and for Approve and
 * Roll back (which change what visitors see) publish it.
 *
 * @return WP_Post|WP_Error
 */
function wpsb_refresh_post_for_decision( int $post_id, bool $publishes ) {
	$post = wpsb_review_post_for_action( $post_id );  // includes/review.php: lock, edit_post, nobody else in it
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	if ( ! wpsb_refresh_is_live( $post ) ) {
		return wpsb_error( 409, 'wpsb_not_live', __( 'This post is not published or scheduled.', 'wp-seo-bridge' ) );
	}
	if ( $publishes && ! current_user_can( 'publish_post', $post_id ) ) {
		return wpsb_error( 403, 'wpsb_cannot_publish', __( 'Sorry, you are not allowed to publish this post.', 'wp-seo-bridge' ) );
	}
	return $post;
}

/** The record of an editor's decision on the live post's refresh state (kept: hashes, usage, report). */
function wpsb_refresh_decided( int $post_id, array $state, string $decision, array $extra ): void {
	$now = wpsb_now_iso();
	wpsb_refresh_write_state(
		$post_id,
		array_merge(
			$state,
			$extra,
			array(
				'state'       => $decision,
				'at'          => $now,
				'reviewed_by' => wp_get_current_user()->user_login,
				'reviewed_at' => $now,
			)
		)
	);
}

/** Title, content and Yoast fields onto the live post; the slug, status and dates are not touched. */
function wpsb_refresh_put_live( WP_Post $post, string $title, string $content, array $yoast ) {
	if ( wp_revisions_enabled( $post ) ) {
		wp_save_post_revision( $post->ID );  // the live version is a revision before it is replaced
	}
	$old_yoast = wpsb_refresh_yoast( $post->ID );
	// Yoast's fields first: the post's save then rebuilds Yoast's indexable with them.
	wpsb_refresh_set_yoast( $post->ID, $yoast );
	$result = wp_update_post(
		wp_slash(
			array(
				'ID'           => $post->ID,
				'post_title'   => $title,
				'post_content' => $content,
			)
		),
		true
	);
	if ( is_wp_error( $result ) || ! $result ) {
		wpsb_refresh_set_yoast( $post->ID, $old_yoast );
		return is_wp_error( $result ) ? $result : wpsb_error( 500, 'wpsb_update_failed', __( 'WordPress could not update the post.', 'wp-seo-bridge' ) );
	}
	clean_post_cache( $post->ID );
	return get_post( $post->ID );
}

/**
 * Approve: the proposal's title, content and Yoast fields become the live post's, in one request under the post's
 * lock; the live version they replace stays as a core revision and in the refresh's "before" record (Yoast
 * fields included) for Roll back. Refused when the live post changed since the proposal was made.
 *
 * @return true|WP_Error
 */
function wpsb_refresh_approve( int $post_id ) {
	$post = wpsb_refresh_post_for_decision( $post_id, true );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$proposal = wpsb_refresh_proposal( $post_id );
	$state    = wpsb_refresh_state( $post_id );
	if ( ! $proposal || ! $state || WPSB_STATE_REWRITTEN !== $state['state'] ) {
		return wpsb_error( 409, 'wpsb_no_proposal', __( 'This post has no SEO refresh proposal waiting.', 'wp-seo-bridge' ) );
	}
	$made_for = (string) ( wpsb_refresh_proposal_state( $proposal )['source_hash'] ?? '' );
	if ( '' === $made_for || ! hash_equals( $made_for, wpsb_refresh_hash( $post ) ) ) {
		return wpsb_error( 409, 'wpsb_stale', __( 'The live post changed since this proposal; rewrite again.', 'wp-seo-bridge' ) );
	}
	$before = array(
		'title'   => $post->post_title,
		'content' => $post->post_content,
		'yoast'   => wpsb_refresh_yoast( $post_id ),
		'at'      => wpsb_now_iso(),
	);
	$live   = wpsb_refresh_put_live( $post, $proposal->post_title, $proposal->post_content, wpsb_refresh_yoast( $proposal->ID ) );
	if ( is_wp_error( $live ) ) {
		return $live;
	}
	$before['after_hash'] = wpsb_refresh_hash( $live );
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_BEFORE, wp_json_encode( $before, JSON_UNESCAPED_UNICODE ) );
	wpsb_refresh_decided( $post_id, $state, WPSB_STATE_APPROVED, array( 'result_hash' => $before['after_hash'] ) );
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_ASKED_KEY, null );
	wp_delete_post( $proposal->ID, true );
	return true;
}

/**
 * Reject: the proposal goes, the live post is not touched. The daemon leaves this live version alone (a new edit,
 * or "Refresh SEO", asks again).
 *
 * @return true|WP_Error
 */
function wpsb_refresh_reject( int $post_id ) {
	$post = wpsb_refresh_post_for_decision( $post_id, false );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$proposal = wpsb_refresh_proposal( $post_id );
	$state    = wpsb_refresh_state( $post_id );
	if ( ! $proposal || ! $state || WPSB_STATE_REWRITTEN !== $state['state'] ) {
		return wpsb_error( 409, 'wpsb_no_proposal', __( 'This post has no SEO refresh proposal waiting.', 'wp-seo-bridge' ) );
	}
	wp_delete_post( $proposal->ID, true );
	wpsb_refresh_decided(
		$post_id,
		$state,
		WPSB_STATE_REJECTED,
		array(
			'source_hash' => wpsb_refresh_hash( $post ),
			'reason'      => 'rejected by an editor',
		)
	);
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_ASKED_KEY, null );
	return true;
}

/**
 * Roll back an approved refresh: the title, content and Yoast fields from before the Approve come back (the slug
 * never changed). Refused when the post was edited since the Approve: that edit is somebody's work.
 *
 * @return true|WP_Error
 */
function wpsb_refresh_rollback( int $post_id ) {
	$post = wpsb_refresh_post_for_decision( $post_id, true );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$state  = wpsb_refresh_state( $post_id );
	$before = json_decode( (string) get_post_meta( $post_id, WPSB_REFRESH_BEFORE, true ), true );
	if ( ! $state || WPSB_STATE_APPROVED !== $state['state'] || ! is_array( $before ) || ! isset( $before['title'], $before['content'], $before['after_hash'] ) ) {
		return wpsb_error( 409, 'wpsb_nothing_to_roll_back', __( 'No approved SEO refresh to roll back on this post.', 'wp-seo-bridge' ) );
	}
	if ( ! hash_equals( (string) $before['after_hash'], wpsb_refresh_hash( $post ) ) ) {
		return wpsb_error( 409, 'wpsb_edited_since', __( 'The post was edited after the refresh was approved: restore an older version from its Revisions instead.', 'wp-seo-bridge' ) );
	}
	$live = wpsb_refresh_put_live( $post, (string) $before['title'], (string) $before['content'], (array) ( $before['yoast'] ?? array() ) );
	if ( is_wp_error( $live ) ) {
		return $live;
	}
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_BEFORE, null );
	// "rejected" for the version now live: the daemon does not propose the same refresh again.
	wpsb_refresh_decided(
		$post_id,
		$state,
		WPSB_STATE_REJECTED,
		array(
			'source_hash' => wpsb_refresh_hash( $live ),
			'reason'      => 'rolled back by an editor',
		)
	);
	return true;
}

/**
 * "Refresh SEO": an editor asks for a proposal for this live post at the next pass (refreshes must be on).
 *
 * @return true|WP_Error
 */
function wpsb_refresh_ask( int $post_id ) {
	if ( ! wpsb_refresh_enabled() ) {
		return wpsb_error( 403, 'wpsb_refresh_off', __( 'Refreshing published posts is switched off (Settings → SEO Bridge).', 'wp-seo-bridge' ) );
	}
	$post = wpsb_refresh_post_for_decision( $post_id, false );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$state = wpsb_refresh_state( $post_id );
	if ( $state && in_array( $state['state'], array( WPSB_STATE_CLAIMED, WPSB_STATE_REWRITTEN ), true ) ) {
		return true;  // already on its way, or waiting for review
	}
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_KEY, null );  // a rejection or failure no longer holds it back
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_DONE_KEY, null );
	wpsb_refresh_write_meta( $post_id, WPSB_REFRESH_ASKED_KEY, '1' );
	return true;
}

/** For the pass's review e-mail (includes/notify.php): the refresh state of a live post with an open proposal. */
function wpsb_refresh_mail_state( WP_Post $post ): ?array {
	$state = wpsb_refresh_is_live( $post ) ? wpsb_refresh_state( $post->ID ) : null;
	if ( ! $state || WPSB_STATE_REWRITTEN !== $state['state'] || ! wpsb_refresh_proposal( $post->ID ) ) {
		return null;
	}
	return array_merge( $state, array( 'kind' => 'refresh' ) );
}

/**
 * The refresh actions a user has on a post, for wpsb_review_actions() (the one list every view shows): operation
 * name (WPSB_REVIEW_OPERATIONS) => label, short label, and whether it is the main one or asks a confirmation.
 *
 * @return array<string, array{label: string, short: string, primary?: bool, confirm?: string}>
 */
function wpsb_refresh_actions( WP_Post $post ): array {
	if ( ! wpsb_refresh_is_live( $post ) || ! current_user_can( 'edit_post', $post->ID ) ) {
		return array();
	}
	$state   = wpsb_refresh_state( $post->ID );
	$stage   = $state ? $state['state'] : '';
	$publish = current_user_can( 'publish_post', $post->ID );
	$actions = array();
	if ( WPSB_STATE_REWRITTEN === $stage && wpsb_refresh_proposal( $post->ID ) ) {
		if ( $publish ) {
			$actions['refresh_approve'] = array(
				'label'   => __( 'Approve refresh', 'wp-seo-bridge' ),
				'short'   => __( 'Approve refresh', 'wp-seo-bridge' ),
				'primary' => true,
			);
		}
		$actions['refresh_reject'] = array(
			'label'   => __( 'Reject refresh', 'wp-seo-bridge' ),
			'short'   => __( 'Reject refresh', 'wp-seo-bridge' ),
			'confirm' => 'reject',
		);
		return $actions;
	}
	if ( WPSB_STATE_APPROVED === $stage && $publish && get_post_meta( $post->ID, WPSB_REFRESH_BEFORE, true ) ) {
		$actions['refresh_rollback'] = array(
			'label' => __( 'Roll back refresh', 'wp-seo-bridge' ),
			'short' => __( 'Roll back refresh', 'wp-seo-bridge' ),
		);
	}
	if ( wpsb_refresh_enabled() && WPSB_STATE_CLAIMED !== $stage && '1' !== (string) get_post_meta( $post->ID, WPSB_REFRESH_ASKED_KEY, true ) ) {
		$actions['refresh_ask'] = array(
			'label' => __( 'Refresh SEO', 'wp-seo-bridge' ),
			'short' => __( 'Refresh SEO', 'wp-seo-bridge' ),
		);
	}
	return $actions;
}
