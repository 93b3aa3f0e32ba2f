<?php
/**
 * The review's requests: every action goes through admin-post.php with a per-post nonce and the capability on
 * that very post (checked again by the operation, under the post's lock); the outcome travels back as a code in
 * the redirect's URL, never as text.
 */

defined( 'ABSPATH' ) || exit;

function wpsb_review_requests_hooks(): void {
	foreach ( array_keys( WPSB_REVIEW_OPERATIONS ) as $action ) {
		add_action( "admin_post_wpsb_$action", 'wpsb_review_handle' );
	}
	add_filter( 'removable_query_args', 'wpsb_review_removable_args' );
}

function wpsb_review_nonce_action( int $post_id ): string {
	return "wpsb_review_$post_id";
}

/** Raw URL (not HTML-escaped like wp_nonce_url's): escape it where it is printed. */
function wpsb_review_action_url( string $action, int $post_id ): string {
	return add_query_arg(
		array(
			'action'   => "wpsb_$action",
			'post'     => $post_id,
			'_wpnonce' => wp_create_nonce( wpsb_review_nonce_action( $post_id ) ),
		),
		admin_url( 'admin-post.php' )
	);
}

/** Capability on that very post, then the nonce, then the operation (which checks its own rights under the lock). */
function wpsb_review_handle(): void {
	$action    = substr( (string) current_action(), strlen( 'admin_post_wpsb_' ) );
	$operation = WPSB_REVIEW_OPERATIONS[ $action ] ?? null;
	$post_id   = isset( $_REQUEST['post'] ) ? absint( $_REQUEST['post'] ) : 0;  // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- the nonce is per post: its id is needed to check it, below
	if ( ! $operation || ! current_user_can( 'edit_post', $post_id ) ) {
		wp_die( esc_html__( 'Sorry, you are not allowed to edit this post.', 'default' ), '', array( 'response' => 403 ) );
	}
	check_admin_referer( wpsb_review_nonce_action( $post_id ) );  // dies with 403 on a forged or stale link

	$result = $operation( $post_id );
	if ( is_wp_error( $result ) ) {
		$status = (int) ( $result->get_error_data()['status'] ?? 500 );
		wp_die(
			esc_html( $result->get_error_message() ),
			esc_html__( 'SEO Bridge', 'wp-seo-bridge' ),
			array(
				'response'  => 401 === $status ? 403 : $status,  // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- an HTTP status code (int), not output
				'back_link' => true,
			)
		);
	}
	$done = 'approve' === $action ? ( 'future' === $result ? 'scheduled' : 'published' ) : $action;
	$back = remove_query_arg( array( 'wpsb_done', 'wpsb_post', 'message' ), wp_get_referer() ? wp_get_referer() : get_edit_post_link( $post_id, 'url' ) );
	wp_safe_redirect(
		add_query_arg(
			array(
				'wpsb_done' => $done,
				'wpsb_post' => $post_id,
			),
			$back
		)
	);
	exit;
}

/** The outcome code of our own redirect and its post, or ('', null) for a post the user may not edit. */
function wpsb_review_done_from_request(): array {
	// Display only, after our own redirect (the action checked its nonce); rights are checked on the post below.
	$done = sanitize_key( $_GET['wpsb_done'] ?? '' );  // phpcs:ignore WordPress.Security.NonceVerification.Recommended
	$post = get_post( absint( $_GET['wpsb_post'] ?? 0 ) );  // phpcs:ignore WordPress.Security.NonceVerification.Recommended
	if ( ! $post || ! current_user_can( 'edit_post', $post->ID ) ) {
		return array( '', null );
	}
	return array( $done, $post );
}

function wpsb_review_removable_args( array $args ): array {
	return array_merge( $args, array( 'wpsb_done', 'wpsb_post' ) );
}
