<?php
/**
 * One review e-mail per pass, listing the posts the daemon moved to Pending Review (WordPress itself sends none).
 *
 * The list is the plugin's own: when a guarded write (includes/claims.php) stores a "rewritten" state, the post is
 * marked as due for the review e-mail. The daemon's account then asks for the mail once at the end of its pass:
 *
 *   seobridge.notifyPending(blog_id, user, pass)   → int, the number of recipients e-mailed
 *   POST /wp-json/wp-seo-bridge/v1/notify {}       → {"recipients": int}
 *
 * The caller chooses nothing: any post ids sent (daemons before 0.3 sent them) are ignored, each marked post is
 * listed in exactly one e-mail, and only while it is still pending with a rewritten state. So no user can make
 * the plugin mail a post of their choosing, and calling it again sends nothing. Only the daemon's account (the
 * bot role, or an editor) may ask. Switch off (Settings → SEO Bridge) → the marks are dropped, no e-mail.
 * Recipients: the wp_seo_bridge_notify option, or when empty every editor and administrator. Marks a crashed
 * daemon left go out with the next pass's e-mail.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_NOTIFY_MAX_POST = 100;

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_notify_hooks(): void {
	add_filter( 'xmlrpc_methods', 'wpsb_notify_xmlrpc_methods' );
	add_action( 'rest_api_init', 'wpsb_notify_rest_register' );
	add_action( 'admin_init', 'wpsb_notify_register_setting', 20 );  // after the settings page's own fields
	add_action( 'added_post_meta', 'wpsb_notify_mark_due', 10, 4 );
	add_action( 'updated_post_meta', 'wpsb_notify_mark_due', 10, 4 );
}

/** A guarded write stored a rewritten state: the post goes into the next review e-mail. */
function wpsb_notify_mark_due( $meta_id, $post_id, $meta_key, $meta_value ): void {
	if ( WPSB_STATE_KEY !== $meta_key || ! wpsb_is_guarded_post( (int) $post_id ) ) {
		return;
	}
	$state = is_string( $meta_value ) ? json_decode( $meta_value, true ) : null;
	if ( is_array( $state ) && WPSB_STATE_REWRITTEN === ( $state['state'] ?? '' ) ) {
		update_post_meta( (int) $post_id, WPSB_NOTIFY_DUE_KEY, '1' );
	}
}

function wpsb_notify_enabled(): bool {
	return '0' !== (string) get_option( WPSB_OPTION_NOTIFY_ENABLED, '1' );
}

/** @return string[] e-mail addresses, each once */
function wpsb_notify_recipients(): array {
	$listed = wpsb_option( WPSB_OPTION_NOTIFY );
	if ( '' !== $listed ) {
		$emails = preg_split( '/[\s,;]+/', $listed, -1, PREG_SPLIT_NO_EMPTY );
	} else {
		$emails = get_users(
			array(
				'role__in' => array( 'editor', 'administrator' ),
				'fields'   => 'user_email',
			)
		);
	}
	return array_values( array_unique( array_filter( array_map( 'strval', $emails ), 'is_email' ) ) );
}

/**
 * Sends the e-mail listing the posts marked due (each mark is taken once: two concurrent calls never list a post
 * twice), as long as they are still pending rewrites.
 *
 * @return int|WP_Error the number of recipients, 0 when no e-mail was due
 */
function wpsb_notify_pending() {
	$due     = get_posts(
		array(
			'post_type'        => 'post',
			'post_status'      => 'any',
			'meta_key'         => WPSB_NOTIFY_DUE_KEY,  // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_key -- a handful of rows, once per pass
			'orderby'          => 'ID',
			'order'            => 'ASC',
			'posts_per_page'   => WPSB_NOTIFY_MAX_POST,
			'suppress_filters' => true,
		)
	);
	$enabled = wpsb_notify_enabled();
	$posts   = array();
	foreach ( $due as $post ) {
		$taken = WPSB_Request::trusted( static fn() => delete_post_meta( $post->ID, WPSB_NOTIFY_DUE_KEY ) );  // the plugin's own mark
		if ( ! $taken || ! $enabled ) {
			continue;  // another call took it, or the e-mails are off
		}
		$state = wpsb_review_state( $post->ID );
		if ( 'pending' === $post->post_status && $state && WPSB_STATE_REWRITTEN === $state['state'] ) {
			$posts[] = array( $post, $state );
		} elseif ( function_exists( 'wpsb_refresh_mail_state' ) ) {
			$state = wpsb_refresh_mail_state( $post );  // a refresh proposal for a published post
			if ( $state ) {
				$posts[] = array( $post, $state );
			}
		}
	}
	$to = $posts ? wpsb_notify_recipients() : array();
	if ( ! $to ) {
		return 0;
	}
	[ $subject, $body ] = wpsb_notify_message( $posts );
	if ( ! wp_mail( $to, $subject, $body ) ) {
		return wpsb_error( 500, 'wpsb_mail_failed', 'WordPress could not send the e-mail; check the site\'s mail settings.' );
	}
	return count( $to );
}

/**
 * Plain text, in the site's language: titles, keyphrase, words, check warnings and a link to each post.
 *
 * @param array<array{0: WP_Post, 1: array}> $posts
 * @return array{0: string, 1: string}
 */
function wpsb_notify_message( array $posts ): array {
	$site    = wp_specialchars_decode( (string) get_option( 'blogname' ), ENT_QUOTES );
	$count   = count( $posts );
	$subject = sprintf(
		/* translators: 1: site name, 2: number of posts */
		_n( '[%1$s] %2$d post awaits your SEO review', '[%1$s] %2$d posts await your SEO review', $count, 'wp-seo-bridge' ),
		$site,
		$count
	);
	$lines = array(
		sprintf(
			/* translators: %d: number of posts */
			_n( 'SEO Bridge rewrote %d draft into an SEO article. It waits in Pending Review until an editor approves or rejects it:', 'SEO Bridge rewrote %d drafts into SEO articles. They wait in Pending Review until an editor approves or rejects them:', $count, 'wp-seo-bridge' ),
			$count
		),
		'',
	);
	foreach ( $posts as [ $post, $state ] ) {
		$warnings = count(
			array_filter(
				(array) ( $state['report'] ?? array() ),
				static fn( $f ) => is_array( $f ) && empty( $f['ok'] )
			)
		);
		$lines[]  = '- ' . wp_strip_all_tags( $post->post_title );  // as typed: no HTML entities in plain text
		$lines[]  = '  ' . sprintf(
			/* translators: 1: focus keyphrase, 2: word count, 3: number of check warnings */
			__( 'Focus keyphrase: %1$s · %2$s words · %3$d warnings', 'wp-seo-bridge' ),
			(string) ( $state['keyphrase'] ?? '' ),
			number_format_i18n( (int) ( $state['words'] ?? 0 ) ),
			$warnings
		);
		if ( 'refresh' === ( $state['kind'] ?? '' ) ) {
			$lines[] = '  ' . __( 'Refresh of a published post: the live post is unchanged until an editor approves the proposal.', 'wp-seo-bridge' );
		}
		$lines[] = '  ' . admin_url( 'post.php?post=' . $post->ID . '&action=edit' );
		$lines[] = '';
	}
	$lines[] = __( 'All posts awaiting SEO review:', 'wp-seo-bridge' ) . ' ' . admin_url( 'edit.php?post_status=pending&' . WPSB_REVIEW_VIEW . '=1' );
	$lines[] = '';
	$lines[] = __( 'Approve publishes the post; Reject brings back the previous text and SEO fields, as a draft.', 'wp-seo-bridge' );
	$lines[] = __( 'Recipients and this e-mail can be changed in Settings → SEO Bridge.', 'wp-seo-bridge' );
	return array( $subject, implode( "\n", $lines ) . "\n" );
}

// --- XML-RPC and REST ------------------------------------------------------------------------------------

function wpsb_notify_xmlrpc_methods( array $methods ): array {
	$methods['seobridge.notifyPending'] = 'wpsb_xmlrpc_notify_pending';  // a named function: closures crash on PHP 8
	return $methods;
}

/** @return int|IXR_Error */
function wpsb_xmlrpc_notify_pending( $args ) {
	global $wp_xmlrpc_server;
	$args = (array) $args;
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.notifyPending', $args, 3 ) ) {
		return $wp_xmlrpc_server->error;
	}
	if ( ! wpsb_is_daemon_account() ) {
		return new IXR_Error( 401, __( 'Sorry, you are not allowed to edit posts.', 'wp-seo-bridge' ) );
	}
	$result = wpsb_notify_pending();
	return is_wp_error( $result ) ? wpsb_ixr_error( $result ) : $result;
}

function wpsb_notify_rest_register(): void {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/notify',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_rest_notify',
			'permission_callback' => 'wpsb_rest_is_daemon_account',
		)
	);
}

/** @return true|WP_Error */
function wpsb_rest_is_daemon_account() {
	if ( wpsb_is_daemon_account() ) {
		return true;
	}
	return new WP_Error( 'wpsb_cannot_edit', __( 'Sorry, you are not allowed to edit posts.', 'wp-seo-bridge' ), array( 'status' => rest_authorization_required_code() ) );
}

/** @return WP_REST_Response|WP_Error */
function wpsb_rest_notify() {
	$result = wpsb_notify_pending();
	return is_wp_error( $result ) ? $result : rest_ensure_response( array( 'recipients' => $result ) );
}

// --- the switch on the settings page (owned by includes/settings.php: only a field is added) -------------

function wpsb_notify_register_setting(): void {
	if ( ! defined( 'WPSB_SETTINGS_GROUP' ) ) {
		return;
	}
	// The setting itself is registered with the others (settings.php, options.php defaults).
	add_settings_field( WPSB_OPTION_NOTIFY_ENABLED, __( 'Review e-mails', 'wp-seo-bridge' ), 'wpsb_notify_field', WPSB_SETTINGS_PAGE, 'wpsb_main' );
}

function wpsb_notify_field(): void {
	// The hidden input makes an unticked box save '0'.
	printf(
		'<input type="hidden" name="%1$s" value="0"><label><input type="checkbox" id="%1$s" name="%1$s" value="1" %2$s> %3$s</label>',
		esc_attr( WPSB_OPTION_NOTIFY_ENABLED ),
		checked( wpsb_notify_enabled(), true, false ),
		esc_html__( 'After each pass, e-mail one list of the posts awaiting SEO review', 'wp-seo-bridge' )
	);
}
