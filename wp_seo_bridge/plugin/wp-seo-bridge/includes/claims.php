<?php
/**
 * The rules both transports (XML-RPC, REST) share: content hash, edit locks, claims, guarded writes.
 *
 * Every check that decides whether the daemon may write happens under a MySQL named lock per post, held
 * until the end of the request, so a check and the write it allows cannot be separated by another claim
 * or guarded write. Errors are WP_Error with data.status = the contract's code:
 *   400 bad argument, 401 not allowed to edit, 403 forbidden status, 404 no such post,
 *   409 changed / not a draft / not our claim, 423 locked by a human, claimed by another daemon, or busy.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_LOCK_WAIT_S       = 5;
const WPSB_MAX_TTL_S         = DAY_IN_SECONDS;
const WPSB_MAX_STATE_B       = 262144;
const WPSB_RECORDABLE_STATES = array( WPSB_STATE_FAILED, WPSB_STATE_RELEASED );

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_claims_hooks(): void {
	add_action( 'pre_post_update', 'wpsb_lock_before_save', 1 );
	add_action( 'shutdown', 'wpsb_release_locks', 0 );
	add_action( 'shutdown', 'wpsb_stored_check_abandon', 0 );
	add_action( 'wp_after_insert_post', 'wpsb_unlock_after_save', 99 );
	add_filter( 'wp_insert_post_data', 'wpsb_keep_robot_slug', 10, 2 );
}

/**
 * Identity of one draft version; equals Python's wp_seo_bridge.model.source_hash(title, content).
 * Line endings are normalised: XML parsers turn "\r\n" into "\n", so the daemon never sees "\r"; and
 * what XML cannot carry is left out (wpsb_xml_clean), as it is left out of our XML-RPC answers.
 */
function wpsb_content_hash( string $title, string $content ): string {
	$normalise = array(
		"\r\n" => "\n",
		"\r"   => "\n",
	);
	return hash( 'sha256', strtr( wpsb_xml_clean( $title ), $normalise ) . "\n" . strtr( wpsb_xml_clean( $content ), $normalise ) );
}

function wpsb_error( int $status, string $code, string $message ): WP_Error {
	return new WP_Error( $code, $message, array( 'status' => $status ) );
}

function wpsb_now_iso( int $timestamp = 0 ): string {
	return gmdate( 'Y-m-d\TH:i:s\Z', $timestamp ? $timestamp : time() );
}

/** User id holding a live editor lock (wp_check_post_lock semantics), 0 when free or held by the current user. */
function wpsb_locked_by( int $post_id ): int {
	$lock = (string) get_post_meta( $post_id, '_edit_lock', true );
	if ( '' === $lock ) {
		return 0;
	}
	[ $time, $user ] = array_pad( explode( ':', $lock ), 2, 0 );
	$user            = $user ? (int) $user : (int) get_post_meta( $post_id, '_edit_last', true );
	if ( ! $user || ! get_userdata( $user ) ) {
		return 0;
	}
	$window = (int) apply_filters( 'wp_check_post_lock_window', 150 );  // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- core's filter, applied as wp_check_post_lock() does
	if ( (int) $time && (int) $time > time() - $window && get_current_user_id() !== $user ) {
		return $user;
	}
	return 0;
}

function wpsb_state_json( int $post_id ): string {
	return (string) get_post_meta( $post_id, WPSB_STATE_KEY, true );
}

/** Daemon id holding a live claim on the post, '' when none (expired claims do not count). */
function wpsb_live_claim_by( int $post_id ): string {
	$state = json_decode( wpsb_state_json( $post_id ), true );
	if ( ! is_array( $state ) || WPSB_STATE_CLAIMED !== ( $state['state'] ?? '' ) ) {
		return '';
	}
	$until = strtotime( (string) ( $state['claim_until'] ?? '' ) );
	return ( $until && $until > time() ) ? (string) ( $state['by'] ?? '' ) : '';
}

/**
 * The `seo_bridge` field on a post: what selection needs without fetching content. Tag slugs come from the
 * term cache that post queries prime, cheaper than the 'terms' field (two queries per post).
 */
function wpsb_post_summary( int $post_id, string $title, string $content ): array {
	$tags = get_the_terms( $post_id, 'post_tag' );
	return array(
		'content_hash' => wpsb_content_hash( $title, $content ),
		'state'        => wpsb_state_json( $post_id ),
		'locked_by'    => wpsb_locked_by( $post_id ),
		'tags'         => is_array( $tags ) ? array_values( wp_list_pluck( $tags, 'slug' ) ) : array(),
	);
}

// --- per-post mutual exclusion -------------------------------------------------------------------------

function wpsb_lock_name( int $post_id ): string {
	global $wpdb;
	// Scoped to this database and table prefix: sites sharing one MySQL server must not block each other.
	return sprintf( 'wpsb-%s-%d-%d', substr( md5( DB_NAME . $wpdb->prefix ), 0, 8 ), get_current_blog_id(), $post_id );
}

/** Takes the post's lock until the end of the request (re-entrant). False when another request keeps it. */
function wpsb_lock_post( int $post_id ): bool {
	global $wpdb;
	$name = wpsb_lock_name( $post_id );
	if ( WPSB_Request::holds_lock( $name ) ) {
		return true;
	}
	$got = $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $name, WPSB_LOCK_WAIT_S ) );
	if ( '1' !== (string) $got ) {
		return false;
	}
	WPSB_Request::hold_lock( $name );
	// What this request read before the lock may be stale now.
	clean_post_cache( $post_id );
	return true;
}

/** At shutdown: the locks this request still holds (none for most requests). */
function wpsb_release_locks(): void {
	global $wpdb;
	foreach ( WPSB_Request::locks() as $name ) {
		$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $name ) );
	}
	WPSB_Request::forget_locks();
}

/**
 * Any other save of a post (editor, REST, quick edit, import) waits for a claim or guarded write in
 * progress, so the daemon's check-then-write cannot interleave with it. Held only for that save, and
 * never blocks humans for long: after WPSB_LOCK_WAIT_S the save goes ahead.
 */
function wpsb_lock_before_save( $post_id ): void {
	$post_id = (int) $post_id;
	if ( 'revision' === get_post_type( $post_id ) || WPSB_Request::holds_lock( wpsb_lock_name( $post_id ) ) ) {
		return;  // a guarded write of this request already holds it until the end
	}
	if ( wpsb_lock_post( $post_id ) ) {
		WPSB_Request::hold_for_save( $post_id );
	}
}

function wpsb_unlock_after_save( $post_id ): void {
	global $wpdb;
	$post_id = (int) $post_id;
	$name    = wpsb_lock_name( $post_id );
	if ( WPSB_Request::release_save_lock( $post_id, $name ) ) {
		$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $name ) );
	}
}

// --- the operations --------------------------------------------------------------------------------------

function wpsb_check_daemon_id( string $daemon ): ?WP_Error {
	if ( '' === trim( $daemon ) || strlen( $daemon ) > 190 ) {
		return wpsb_error( 400, 'wpsb_bad_daemon', 'daemon_id must be a non-empty string of at most 190 bytes.' );
	}
	return null;
}

/**
 * Post the current user may edit, read fresh under its lock. The capability is checked BEFORE the lock is taken
 * (and again after, on the fresh row): a user who may not edit the post, or an unknown id, never holds a lock
 * that would make editors' saves and the daemon's claims wait.
 */
function wpsb_locked_post_for_edit( int $post_id ) {
	$post = $post_id > 0 ? get_post( $post_id ) : null;
	if ( ! $post || 'revision' === $post->post_type ) {
		return wpsb_error( 404, 'wpsb_no_post', 'Invalid post ID.' );
	}
	if ( ! current_user_can( 'edit_post', $post_id ) ) {
		return wpsb_error( 401, 'wpsb_cannot_edit', 'Sorry, you are not allowed to edit this post.' );
	}
	if ( ! wpsb_lock_post( $post_id ) ) {
		return wpsb_error( 423, 'wpsb_busy', 'Another request is working on this post; try again later.' );
	}
	$post = get_post( $post_id );  // fresh: wpsb_lock_post cleared the cache
	if ( ! $post || 'revision' === $post->post_type ) {
		return wpsb_error( 404, 'wpsb_no_post', 'Invalid post ID.' );
	}
	if ( ! current_user_can( 'edit_post', $post_id ) ) {
		return wpsb_error( 401, 'wpsb_cannot_edit', 'Sorry, you are not allowed to edit this post.' );
	}
	return $post;
}

/**
 * The daemon's account: the bot role, or an editor/administrator running it. Authors and contributors may edit
 * their own drafts but never take the daemon's path (claims, recorded states, guarded writes, the review mail):
 * that path writes the bookkeeping editors trust and mail.
 */
function wpsb_is_daemon_account(): bool {
	return current_user_can( 'edit_others_posts' );
}

/** The post for one of the daemon's operations: the daemon's account, then wpsb_locked_post_for_edit(). */
function wpsb_locked_post_for_daemon( int $post_id ) {
	if ( ! wpsb_is_daemon_account() ) {
		return wpsb_error( 401, 'wpsb_not_daemon', 'Sorry, only the SEO Bridge robot (or an editor) may do this.' );
	}
	return wpsb_locked_post_for_edit( $post_id );
}

/** The checks a claim and a guarded write share: still the same draft, and no human editing it. */
function wpsb_check_same_draft( WP_Post $post, string $expect_hash ): ?WP_Error {
	if ( 'draft' !== $post->post_status ) {
		return wpsb_error( 409, 'wpsb_not_draft', "The post is no longer a draft ({$post->post_status})." );
	}
	if ( ! hash_equals( wpsb_content_hash( $post->post_title, $post->post_content ), strtolower( $expect_hash ) ) ) {
		return wpsb_error( 409, 'wpsb_changed', 'The draft changed since it was read.' );
	}
	$human = wpsb_locked_by( $post->ID );
	if ( $human ) {
		return wpsb_error( 423, 'wpsb_edit_locked', "The draft is open in the editor (user $human)." );
	}
	return null;
}

/**
 * Marks the draft as the daemon's for ttl seconds, without touching post_modified nor making a revision.
 * A live claim by the same daemon, or an expired one by anybody, is taken over.
 *
 * @return true|WP_Error
 */
function wpsb_claim( int $post_id, string $expect_hash, string $daemon, int $ttl ) {
	$error = wpsb_check_daemon_id( $daemon );
	if ( $error ) {
		return $error;
	}
	if ( $ttl < 1 ) {
		return wpsb_error( 400, 'wpsb_bad_ttl', 'ttl_seconds must be a positive number of seconds.' );
	}
	if ( wpsb_claims_live_post( $post_id ) ) {
		return wpsb_refresh_claim( $post_id, $expect_hash, $daemon, $ttl );  // includes/refresh.php
	}
	$post = wpsb_locked_post_for_daemon( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$error = wpsb_check_same_draft( $post, $expect_hash );
	if ( $error ) {
		return $error;
	}
	$holder = wpsb_live_claim_by( $post_id );
	if ( '' !== $holder && $holder !== $daemon ) {
		return wpsb_error( 423, 'wpsb_claimed', 'Another daemon is working on this draft.' );
	}
	$now   = time();
	$state = array(
		'state'       => WPSB_STATE_CLAIMED,
		'source_hash' => wpsb_content_hash( $post->post_title, $post->post_content ),
		'by'          => $daemon,
		'at'          => wpsb_now_iso( $now ),
		'claim_until' => wpsb_now_iso( $now + min( $ttl, WPSB_MAX_TTL_S ) ),
	);
	wpsb_write_state( $post_id, wp_json_encode( $state, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) );
	return true;
}

/**
 * The daemon's record of a failure or a release, on a draft it claimed (the claim may have expired meanwhile,
 * as long as nobody took it over). "rewritten" comes only with the guarded write, "claimed" only from a claim,
 * "approved"/"rejected" only from an editor: recordState cannot forge them.
 *
 * @return true|WP_Error
 */
function wpsb_record_state( int $post_id, string $daemon, string $state_json ) {
	$error = wpsb_check_daemon_id( $daemon );
	if ( $error ) {
		return $error;
	}
	$state = strlen( $state_json ) <= WPSB_MAX_STATE_B ? json_decode( $state_json, true ) : null;
	if ( ! is_array( $state ) || ! isset( $state['state'] ) || ! is_string( $state['state'] ) || '' === $state['state'] ) {
		return wpsb_error( 400, 'wpsb_bad_state', 'state_json must be a JSON object with a "state" string.' );
	}
	if ( ! in_array( $state['state'], WPSB_RECORDABLE_STATES, true ) ) {
		return wpsb_error( 400, 'wpsb_bad_state', 'recordState records only a failure or a release.' );
	}
	if ( wpsb_claims_live_post( $post_id ) ) {
		return wpsb_refresh_record( $post_id, $daemon, $state, $state_json );  // includes/refresh.php
	}
	$post = wpsb_locked_post_for_daemon( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$holder = wpsb_live_claim_by( $post_id );
	if ( '' !== $holder && $holder !== $daemon ) {
		return wpsb_error( 423, 'wpsb_claimed', 'Another daemon is working on this draft.' );
	}
	$current = json_decode( wpsb_state_json( $post_id ), true );
	if ( ! is_array( $current ) || WPSB_STATE_CLAIMED !== ( $current['state'] ?? '' ) || ( $current['by'] ?? '' ) !== $daemon ) {
		return wpsb_error( 409, 'wpsb_not_claimed', 'This daemon holds no claim on the draft.' );
	}
	wpsb_write_state( $post_id, $state_json );
	return true;
}

/** A published or scheduled post: the daemon's claim and records go to its refresh (includes/refresh.php). */
function wpsb_claims_live_post( int $post_id ): bool {
	$post = $post_id > 0 ? get_post( $post_id ) : null;
	return $post && function_exists( 'wpsb_refresh_is_live' ) && wpsb_refresh_is_live( $post );
}

/** The plugin's own write of the bookkeeping (claims, records, review decisions): past the meta gate of meta.php. */
function wpsb_write_state( int $post_id, string $json ): void {
	// update_post_meta unslashes its value: slash it so backslashes in the JSON survive.
	WPSB_Request::trusted( static fn() => update_post_meta( $post_id, WPSB_STATE_KEY, wp_slash( $json ) ) );
}

/**
 * Before the daemon's single write of a rewrite (wp.editPost or a REST update): same draft, our live claim,
 * no human in the editor, and a status the robot may set. Then keeps the original as a revision.
 *
 * @param string|null $status the post_status the write asks for, null when it does not change it
 * @param string      $expect_fingerprint the daemon's wpsb_fingerprint() of the content it sends: the write is
 *                                        then kept only if the stored content has it (wpsb_stored_check_begin)
 * @return true|WP_Error
 */
function wpsb_guard_write( int $post_id, string $expect_hash, string $daemon, ?string $status, string $expect_fingerprint = '' ) {
	if ( null !== $status && ! in_array( $status, array( 'pending', 'draft' ), true ) ) {
		return wpsb_error( 403, 'wpsb_forbidden_status', 'The robot may only save drafts and pending posts.' );
	}
	$error = wpsb_check_daemon_id( $daemon );
	if ( $error ) {
		return $error;
	}
	$post = wpsb_locked_post_for_daemon( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$error = wpsb_check_same_draft( $post, $expect_hash );
	if ( $error ) {
		return $error;
	}
	if ( wpsb_live_claim_by( $post_id ) !== $daemon ) {
		return wpsb_error( 409, 'wpsb_not_claimed', 'This daemon holds no live claim on the draft.' );
	}
	// From here this request may write the post and its meta (includes/meta.php, includes/robot.php).
	WPSB_Request::guard( $post_id );
	if ( '' !== $expect_fingerprint ) {
		wpsb_stored_check_begin( $post_id, $expect_fingerprint );
	}
	wpsb_keep_original( $post );
	return true;
}

// --- what a guarded write stored ------------------------------------------------------------------------

/**
 * A guarded write that carries the fingerprint of the content it sends (includes/fingerprint.php, the daemon's
 * own definition) runs in one database transaction. Once core has written the post, its meta and the original's
 * revision, the content is read back from its row and fingerprinted: kses may have re-serialised it (same
 * fingerprint: kept) or cut something the bot's account may not save (a tag, an attribute, a CSS property, a URL
 * protocol: different). Then everything the write did is rolled back, so a draft never becomes a pending article
 * that silently lost a link or an image; the draft stays as its author left it, still claimed, and the daemon
 * records the failure with what was lost. The answer carries the stored fingerprint either way.
 */
function wpsb_stored_check_begin( int $post_id, string $expect ): void {
	global $wpdb;
	if ( WPSB_Request::begin_stored_check( $post_id, strtolower( $expect ) ) ) {
		$wpdb->query( 'START TRANSACTION' );
	}
}

/**
 * Ends the checked write of this post in this request (commit or roll back) and says what was stored; called
 * again, says it again.
 *
 * @param int $row_id the post whose content was written, when not $post_id itself (a live post's proposal)
 * @return array|null {fingerprint, rolled_back, content (only when rolled back)}; null when no write was checked
 */
function wpsb_stored_check_end( int $post_id, int $row_id = 0 ): ?array {
	global $wpdb;
	$check = WPSB_Request::stored_check( $post_id );
	if ( null === $check || null !== $check['result'] ) {
		return $check['result'] ?? null;
	}
	$row_id = $row_id ? $row_id : $post_id;
	// The row itself, not a cache: what the next reader of the post gets.
	$stored      = (string) $wpdb->get_var( $wpdb->prepare( "SELECT post_content FROM {$wpdb->posts} WHERE ID = %d", $row_id ) );
	$fingerprint = wpsb_fingerprint( $stored );
	$same        = hash_equals( $check['expect'], $fingerprint );
	if ( $same ) {
		$wpdb->query( 'COMMIT' );
	} else {
		$wpdb->query( 'ROLLBACK' );
	}
	clean_post_cache( $post_id );
	if ( $row_id !== $post_id ) {
		clean_post_cache( $row_id );
	}
	$result = array(
		'fingerprint' => $fingerprint,
		'rolled_back' => ! $same,
	);
	if ( ! $same ) {
		$result['content'] = wpsb_xml_clean( $stored );  // for the daemon to name what was lost
		WPSB_Request::unguard( $post_id );
	}
	WPSB_Request::end_stored_check( $post_id, $result );
	return $result;
}

/** A checked write that ended before its check (an error half-way): nothing of it is kept. */
function wpsb_stored_check_abandon(): void {
	global $wpdb;
	foreach ( WPSB_Request::open_stored_checks() as $post_id ) {
		$wpdb->query( 'ROLLBACK' );
		WPSB_Request::end_stored_check( $post_id, array( 'rolled_back' => true ) );
	}
}

/**
 * Yoast's own scores (0-100, WPSB_SCORE_KEYS): its Posts list shows them as dots, so an editor sees the rewrite's
 * scores before opening it (Yoast recomputes them when the post is opened). The only keys the guarded write adds
 * to what core writes; written here, after the guard passed for this post in this request, never through the
 * meta APIs.
 *
 * @param mixed $scores key => 0..100, as the daemon sent them
 * @return array<string, string> what each key holds afterwards (empty when the post's write was not guarded)
 */
function wpsb_write_scores( int $post_id, $scores ): array {
	if ( ! WPSB_Request::is_guarded( $post_id ) || ! is_array( $scores ) ) {
		return array();
	}
	$before = array();
	foreach ( WPSB_SCORE_KEYS as $key ) {
		$before[ $key ] = (string) get_post_meta( $post_id, $key, true );
	}
	// The draft's own scores ('' = none), for Reject to put back (review-operations.php).
	WPSB_Request::trusted( static fn() => update_post_meta( $post_id, WPSB_PREVIOUS_SCORES_KEY, wp_slash( wp_json_encode( $before ) ) ) );
	$stored = array();
	foreach ( WPSB_SCORE_KEYS as $key ) {
		if ( isset( $scores[ $key ] ) && is_numeric( $scores[ $key ] ) ) {
			update_post_meta( $post_id, $key, (string) max( 0, min( 100, (int) $scores[ $key ] ) ) );
		}
		$stored[ $key ] = (string) get_post_meta( $post_id, $key, true );
	}
	return $stored;
}

/**
 * WordPress drops the slug of a pending post written by a user who cannot publish (the robot, by design).
 * For a write that passed the guard, keep the slug the daemon asked for: it is part of the SEO proposal.
 */
function wpsb_keep_robot_slug( $data, $postarr ) {
	$post_id = (int) ( $postarr['ID'] ?? 0 );
	if ( ! $post_id || ! WPSB_Request::is_guarded( $post_id ) || '' !== $data['post_name'] || empty( $postarr['post_name'] ) ) {
		return $data;
	}
	$slug              = sanitize_title( wp_unslash( $postarr['post_name'] ) );
	$data['post_name'] = wp_slash( wp_unique_post_slug( $slug, $post_id, 'publish', $data['post_type'], (int) $data['post_parent'] ) );
	return $data;
}

/**
 * Drafts made by imports or REST have no revision: save the original before it is overwritten.
 * Where revisions are off, keep it in post meta instead: an editor's text is never lost.
 */
function wpsb_keep_original( WP_Post $post ): void {
	if ( wp_revisions_enabled( $post ) ) {
		wp_save_post_revision( $post->ID );
		return;
	}
	$original = array(
		'title'   => $post->post_title,
		'content' => $post->post_content,
		'at'      => wpsb_now_iso(),
	);
	update_post_meta( $post->ID, WPSB_ORIGINAL_KEY, wp_slash( wp_json_encode( $original, JSON_UNESCAPED_UNICODE ) ) );
}

/** What seobridge.info / GET info answer, for the current user. */
function wpsb_site_info(): array {
	return array(
		'version'           => WPSB_VERSION,
		// The daemon writes the block markup this version's editor saves (6.1 and 7.1 differ).
		'wp_version'        => get_bloginfo( 'version' ),
		// Links to this host are internal for Yoast; its version decides how its editor totals its scores.
		'home_url'          => home_url( '/' ),
		'yoast_version'     => defined( 'WPSEO_VERSION' ) ? (string) WPSEO_VERSION : '',
		'sync_enabled'      => '1' === wpsb_option( WPSB_OPTION_SYNC_ENABLED ),
		// Published posts too (includes/refresh.php): the daemon lists them only then.
		'refresh_enabled'   => function_exists( 'wpsb_refresh_enabled' ) && wpsb_refresh_enabled(),
		'opt_in'            => wpsb_option( WPSB_OPTION_OPT_IN ),
		'opt_in_tag'        => wpsb_option( WPSB_OPTION_OPT_IN_TAG ),
		'can_publish'       => current_user_can( 'publish_posts' ),
		// Other people's keyphrases (drafts, private posts) only for those who may edit others' posts.
		'used_keyphrases'   => current_user_can( 'edit_others_posts' ) ? wpsb_used_keyphrases() : array(),
		// A bracketed phrase is a shortcode only if the site registers it.
		'shortcodes'        => array_map( 'strval', array_keys( $GLOBALS['shortcode_tags'] ?? array() ) ),
		// What kses lets this account save (nothing is filtered with unfiltered_html): the daemon fails a
		// draft whose elements WordPress would strip instead of pushing a silently stripped article.
		'unfiltered_html'   => current_user_can( 'unfiltered_html' ),
		'allowed_html'      => current_user_can( 'unfiltered_html' ) ? array() : wpsb_allowed_html(),
		'allowed_protocols' => array_values( array_map( 'strval', wp_allowed_protocols() ) ),
	);
}

/** Tag => attribute names kses allows in post content for the current user. */
function wpsb_allowed_html(): array {
	$allowed = array();
	foreach ( wp_kses_allowed_html( 'post' ) as $tag => $attributes ) {
		$allowed[ (string) $tag ] = is_array( $attributes ) ? array_map( 'strval', array_keys( $attributes ) ) : array();
	}
	return $allowed;
}

/** Distinct lower-cased focus keyphrases of all posts (not revisions, trash or auto-drafts), at most 5000. */
function wpsb_used_keyphrases(): array {
	global $wpdb;
	$values  = $wpdb->get_col(
		$wpdb->prepare(
			"SELECT DISTINCT pm.meta_value FROM {$wpdb->postmeta} pm
			 INNER JOIN {$wpdb->posts} p ON p.ID = pm.post_id
			 WHERE pm.meta_key = %s AND pm.meta_value <> ''
			   AND p.post_type <> 'revision' AND p.post_status NOT IN ('trash', 'auto-draft')
			 LIMIT 5000",
			WPSB_YOAST_FOCUSKW_KEY
		)
	);
	$phrases = array();
	foreach ( $values as $value ) {
		$phrases[ mb_strtolower( trim( $value ), 'UTF-8' ) ] = true;
	}
	unset( $phrases[''] );
	return array_map( 'strval', array_keys( $phrases ) );
}
