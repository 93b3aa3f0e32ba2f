<?php
/**
 * The review's state and operations, no output: what the daemon recorded on a post, the version before the
 * rewrite, and what an editor may do about it (wpsb_review_actions):
 *   - Approve publishes (or schedules, with a future date); only users allowed to publish that post.
 *   - Reject restores the pre-rewrite revision AND the previous Yoast fields (revisions keep no post meta), puts
 *     the post back to draft and removes the opt-in tag, so the daemon leaves it alone until asked again
 *     (re-adding the tag, or "Rewrite again").
 * Requests reach them through review-requests.php; review-views.php shows them.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_REVIEW_VIEW = 'wpsb_review';  // query arg of the Posts list view

function wpsb_review_operations_hooks(): void {
	add_action( 'transition_post_status', 'wpsb_review_on_publish', 10, 3 );
}

// --- state ---------------------------------------------------------------------------------------------

/** Our bookkeeping on the post (BridgeState as an array), null when the robot never touched it. */
function wpsb_review_state( int $post_id ): ?array {
	$state = json_decode( wpsb_state_json( $post_id ), true );
	return ( is_array( $state ) && isset( $state['state'] ) && is_string( $state['state'] ) ) ? $state : null;
}

/** A rewrite nobody has approved or rejected yet, on a post that is not published. */
function wpsb_review_is_open( WP_Post $post, ?array $state ): bool {
	return $state && WPSB_STATE_REWRITTEN === $state['state'] && in_array( $post->post_status, array( 'pending', 'draft' ), true );
}

function wpsb_review_json( array $state ): string {
	return wp_json_encode( $state, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
}

/** The editor's decision, added to the daemon's record (which it keeps: hashes, usage, report). */
function wpsb_review_record( int $post_id, array $state, string $decision, array $extra = array() ): void {
	$now   = wpsb_now_iso();
	$state = array_merge(
		$state,
		$extra,
		array(
			'state'        => $decision,
			'at'           => $now,
			'rewritten_at' => $state['rewritten_at'] ?? ( $state['at'] ?? '' ),
			'reviewed_by'  => wp_get_current_user()->user_login,
			'reviewed_at'  => $now,
		)
	);
	wpsb_write_state( $post_id, wpsb_review_json( $state ) );
}

/**
 * Publishing a rewritten post by any means (our Approve, the editor's own Publish button, quick edit) is the
 * approval: record it, so the panel and the daemon agree with what WordPress shows.
 */
function wpsb_review_on_publish( $new_status, $old_status, $post ): void {
	if ( $new_status === $old_status || ! in_array( $new_status, array( 'publish', 'future' ), true ) || ! $post instanceof WP_Post ) {
		return;
	}
	$state = wpsb_review_state( $post->ID );
	if ( $state && WPSB_STATE_REWRITTEN === $state['state'] ) {
		wpsb_review_record( $post->ID, $state, WPSB_STATE_APPROVED );
	}
}

// --- revisions -----------------------------------------------------------------------------------------

/**
 * The version before the rewrite: the newest revision whose title + content hash is the state's source_hash,
 * or, where revisions are off, the copy the guard kept in post meta (same hash required: never restore a
 * version we cannot prove is the original).
 *
 * @return array{title: string, content: string, revision: int}|null
 */
function wpsb_review_original( WP_Post $post, array $state ): ?array {
	$source = strtolower( (string) ( $state['source_hash'] ?? '' ) );
	if ( '' === $source ) {
		return null;
	}
	foreach ( wp_get_post_revisions( $post->ID, array( 'check_enabled' => false ) ) as $revision ) {  // newest first
		if ( ! wp_is_post_autosave( $revision ) && hash_equals( $source, wpsb_content_hash( $revision->post_title, $revision->post_content ) ) ) {
			return array(
				'title'    => $revision->post_title,
				'content'  => $revision->post_content,
				'revision' => $revision->ID,
			);
		}
	}
	$kept = json_decode( (string) get_post_meta( $post->ID, WPSB_ORIGINAL_KEY, true ), true );
	if ( is_array( $kept ) && isset( $kept['title'], $kept['content'] )
		&& hash_equals( $source, wpsb_content_hash( (string) $kept['title'], (string) $kept['content'] ) ) ) {
		return array(
			'title'    => (string) $kept['title'],
			'content'  => (string) $kept['content'],
			'revision' => 0,
		);
	}
	return null;
}

/**
 * Compare Revisions between the original and the rewrite: the revision after the original that holds the
 * robot's result (by hash), else simply the next one (WordPress may have filtered the robot's HTML).
 */
function wpsb_review_compare_url( WP_Post $post, array $state ): string {
	$original = wpsb_review_original( $post, $state );
	if ( ! $original || ! $original['revision'] ) {
		return '';
	}
	$result    = strtolower( (string) ( $state['result_hash'] ?? '' ) );
	$to        = 0;
	$revisions = wp_get_post_revisions(
		$post->ID,
		array(
			'order'         => 'ASC',
			'check_enabled' => false,
		)
	);
	foreach ( $revisions as $revision ) {
		if ( $revision->ID <= $original['revision'] || wp_is_post_autosave( $revision ) ) {
			continue;
		}
		$to = $to ? $to : $revision->ID;
		if ( '' !== $result && hash_equals( $result, wpsb_content_hash( $revision->post_title, $revision->post_content ) ) ) {
			$to = $revision->ID;
			break;
		}
	}
	if ( ! $to ) {
		return '';
	}
	return add_query_arg(
		array(
			'from' => $original['revision'],
			'to'   => $to,
		),
		admin_url( 'revision.php' )
	);
}

// --- the operations (also used by the row actions) -----------------------------------------------------

/**
 * Each review action's operation: post id => the outcome or a WP_Error. review-requests.php routes to them,
 * wpsb_review_actions() says when each is offered. A new action: its operation, a line here, an entry there.
 */
const WPSB_REVIEW_OPERATIONS = array(
	'approve'          => 'wpsb_approve',
	'reject'           => 'wpsb_reject',
	'rewrite_again'    => 'wpsb_rewrite_again',
	// A published post's refresh proposal (includes/refresh.php).
	'refresh_approve'  => 'wpsb_refresh_approve',
	'refresh_reject'   => 'wpsb_refresh_reject',
	'refresh_rollback' => 'wpsb_refresh_rollback',
	'refresh_ask'      => 'wpsb_refresh_ask',
);

/** The post, locked against the daemon's writes, if the current user may edit it and nobody else is in it. */
function wpsb_review_post_for_action( int $post_id ) {
	$post = wpsb_locked_post_for_edit( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	if ( 'post' !== $post->post_type ) {
		return wpsb_error( 404, 'wpsb_no_post', __( 'Invalid post ID.', 'wp-seo-bridge' ) );
	}
	$other = wpsb_locked_by( $post_id );
	if ( $other ) {
		$user = get_userdata( $other );
		/* translators: %s: a user's display name */
		return wpsb_error( 423, 'wpsb_edit_locked', sprintf( __( '%s is editing this post right now; try again when they are done.', 'wp-seo-bridge' ), $user ? $user->display_name : "#$other" ) );
	}
	return $post;
}

/**
 * Publishes the rewrite, or schedules it when the post has a future date (WordPress turns "publish" with a
 * future date into "future"; a post without a fixed date gets the current one).
 *
 * @return string|WP_Error the new status, 'publish' or 'future'
 */
function wpsb_approve( int $post_id ) {
	$post = wpsb_review_post_for_action( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	if ( ! current_user_can( 'publish_post', $post_id ) ) {
		return wpsb_error( 403, 'wpsb_cannot_publish', __( 'Sorry, you are not allowed to publish this post.', 'wp-seo-bridge' ) );
	}
	if ( ! wpsb_review_is_open( $post, wpsb_review_state( $post_id ) ) ) {
		return wpsb_error( 409, 'wpsb_not_in_review', __( 'This post is not waiting for an SEO review.', 'wp-seo-bridge' ) );
	}
	$result = wp_update_post(
		array(
			'ID'          => $post_id,
			'post_status' => 'publish',
		),
		true
	);
	if ( is_wp_error( $result ) ) {
		return $result;
	}
	return get_post_status( $post_id );  // wpsb_review_on_publish recorded the approval
}

/**
 * Back to the author's version: content and title from the pre-rewrite revision, the Yoast fields from
 * _wp_seo_bridge_previous, status draft, opt-in tag removed, state "rejected".
 *
 * @return true|WP_Error
 */
function wpsb_reject( int $post_id ) {
	$post = wpsb_review_post_for_action( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$state = wpsb_review_state( $post_id );
	if ( ! wpsb_review_is_open( $post, $state ) ) {
		return wpsb_error( 409, 'wpsb_not_in_review', __( 'This post is not waiting for an SEO review.', 'wp-seo-bridge' ) );
	}
	$original = wpsb_review_original( $post, $state );
	if ( ! $original ) {
		return wpsb_error( 409, 'wpsb_no_original', __( 'The version before the rewrite was not found: nothing was changed. Restore it from the Revisions screen.', 'wp-seo-bridge' ) );
	}

	// While the post is still pending (the daemon only writes drafts), put everything back...
	if ( $original['revision'] ) {
		$restored = wp_restore_post_revision( $original['revision'] );
	} else {
		$restored = wp_update_post(
			wp_slash(
				array(
					'ID'           => $post_id,
					'post_title'   => $original['title'],
					'post_content' => $original['content'],
				)
			),
			true
		);
	}
	if ( ! $restored || is_wp_error( $restored ) ) {
		return is_wp_error( $restored ) ? $restored : wpsb_error( 500, 'wpsb_restore_failed', __( 'WordPress could not restore the revision.', 'wp-seo-bridge' ) );
	}
	$previous = json_decode( (string) get_post_meta( $post_id, WPSB_PREVIOUS_KEY, true ), true );
	wpsb_review_restore_yoast( $post_id, is_array( $previous ) ? $previous : array() );
	wpsb_review_restore_scores( $post_id );
	wp_remove_object_terms( $post_id, wpsb_option( WPSB_OPTION_OPT_IN_TAG ), 'post_tag' );

	$fresh = get_post( $post_id );
	wpsb_review_record(
		$post_id,
		$state,
		WPSB_STATE_REJECTED,
		array(
			// The version now in WordPress: the daemon's selection recognises it.
			'source_hash' => wpsb_content_hash( $fresh->post_title, $fresh->post_content ),
			'reason'      => 'rejected by an editor',
		)
	);
	// ...and only then make it a draft again. Drafts have no slug of their own until published: drop the
	// robot's SEO slug unless the previous one was recorded.
	$result = wp_update_post(
		wp_slash(
			array(
				'ID'          => $post_id,
				'post_status' => 'draft',
				'post_name'   => is_array( $previous ) && isset( $previous['post_name'] ) ? (string) $previous['post_name'] : '',
			)
		),
		true
	);
	return is_wp_error( $result ) ? $result : true;
}

/** Only our three keys, whatever the JSON holds: '' means "there was none", so the key goes. */
function wpsb_review_restore_yoast( int $post_id, array $previous ): void {
	$yoast = $previous['yoast'] ?? null;
	if ( ! is_array( $yoast ) ) {
		return;  // no record of the old values: leave the fields as they are rather than guess
	}
	foreach ( WPSB_YOAST_KEYS as $key ) {
		$value = isset( $yoast[ $key ] ) && is_scalar( $yoast[ $key ] ) ? (string) $yoast[ $key ] : '';
		if ( '' === $value ) {
			delete_post_meta( $post_id, $key );
		} else {
			update_post_meta( $post_id, $key, wp_slash( $value ) );
		}
	}
}

/**
 * Yoast's scores as they were before the rewrite (its Posts list shows them: the restored draft must not show the
 * rewrite's). Recorded by the guarded write that stored the rewrite's (wpsb_write_scores); '' means there were none.
 */
function wpsb_review_restore_scores( int $post_id ): void {
	$before = json_decode( (string) get_post_meta( $post_id, WPSB_PREVIOUS_SCORES_KEY, true ), true );
	if ( ! is_array( $before ) ) {
		return;  // no scores came with the rewrite (or no record of them): leave the post's as they are
	}
	foreach ( WPSB_SCORE_KEYS as $key ) {
		$value = isset( $before[ $key ] ) && is_scalar( $before[ $key ] ) ? (string) $before[ $key ] : '';
		if ( '' === $value ) {
			delete_post_meta( $post_id, $key );
		} else {
			update_post_meta( $post_id, $key, $value );
		}
	}
	delete_post_meta( $post_id, WPSB_PREVIOUS_SCORES_KEY );
}

/**
 * After a Reject: let the daemon rewrite the draft again. Clears our state, and in tag mode puts the opt-in
 * tag back (what an author would do by hand).
 *
 * @return true|WP_Error
 */
function wpsb_rewrite_again( int $post_id ) {
	$post = wpsb_review_post_for_action( $post_id );
	if ( is_wp_error( $post ) ) {
		return $post;
	}
	$state = wpsb_review_state( $post_id );
	if ( ! $state || WPSB_STATE_REJECTED !== $state['state'] || 'draft' !== $post->post_status ) {
		return wpsb_error( 409, 'wpsb_not_rejected', __( 'Only a draft whose rewrite was rejected can be rewritten again.', 'wp-seo-bridge' ) );
	}
	delete_post_meta( $post_id, WPSB_STATE_KEY );
	if ( 'tag' === wpsb_option( WPSB_OPTION_OPT_IN ) ) {
		wp_set_object_terms( $post_id, array( wpsb_option( WPSB_OPTION_OPT_IN_TAG ) ), 'post_tag', true );
	}
	return true;
}

/** What "publish" will make of the post: 'future' when it has a fixed date at least a minute ahead. */
function wpsb_review_publish_status( WP_Post $post ): string {
	$fixed = '0000-00-00 00:00:00' !== $post->post_date_gmt;
	return $fixed && strtotime( $post->post_date_gmt . ' UTC' ) - time() >= MINUTE_IN_SECONDS ? 'future' : 'publish';
}

/** JSON written by Python or PHP, with or without spaces after the colon. */
function wpsb_review_meta_query(): array {
	return array(
		array(
			'key'     => WPSB_STATE_KEY,
			'value'   => '"state"[[:space:]]*:[[:space:]]*"rewritten"',
			'compare' => 'REGEXP',
		),
	);
}

/**
 * THE review actions the current user has on this post now, by capability and state: every view (the panel, the
 * block editor's notice, the Posts list's row actions) shows exactly these, and nothing else decides.
 *
 * @return array<string, array{label: string, short: string, url: string, primary?: bool, confirm?: string}>
 *         operation name (WPSB_REVIEW_OPERATIONS) => its button label, its shorter row-action label, its link,
 *         whether it is the main action, and which confirmation it asks for (review.js)
 */
function wpsb_review_actions( WP_Post $post ): array {
	if ( 'post' !== $post->post_type || ! current_user_can( 'edit_post', $post->ID ) ) {
		return array();
	}
	$state   = wpsb_review_state( $post->ID );
	$actions = array();
	if ( wpsb_review_is_open( $post, $state ) ) {
		if ( current_user_can( 'publish_post', $post->ID ) ) {
			$actions['approve'] = array(
				'label'   => 'future' === wpsb_review_publish_status( $post ) ? __( 'Approve and schedule', 'wp-seo-bridge' ) : __( 'Approve and publish', 'wp-seo-bridge' ),
				'short'   => __( 'Approve', 'wp-seo-bridge' ),
				'primary' => true,
			);
		}
		$actions['reject'] = array(
			'label'   => __( 'Reject', 'wp-seo-bridge' ),
			'short'   => __( 'Reject rewrite', 'wp-seo-bridge' ),
			'confirm' => 'reject',
		);
	} elseif ( $state && WPSB_STATE_REJECTED === $state['state'] && 'draft' === $post->post_status ) {
		$actions['rewrite_again'] = array(
			'label' => __( 'Rewrite again', 'wp-seo-bridge' ),
			'short' => __( 'Rewrite again', 'wp-seo-bridge' ),
		);
	}
	$actions += wpsb_refresh_actions( $post );  // a published or scheduled post's refresh (includes/refresh.php)
	foreach ( $actions as $name => $action ) {
		$actions[ $name ]['url'] = wpsb_review_action_url( $name, $post->ID );
	}
	return $actions;
}
