<?php
/**
 * One e-mail per daemon pass listing the posts it moved to Pending Review (WordPress itself sends none).
 *
 *   seobridge.notifyPending(blog_id, user, pass, post_ids[])  → int, the number of recipients e-mailed
 *   POST /wp-json/wp-seo-bridge/v1/notify {post_ids: int[]}    → {"recipients": int}
 *
 * Both need edit_posts. Only posts that are pending, rewritten by the robot and editable by the caller are
 * listed, so the call cannot be used to mail titles of other posts. Nothing to list, nobody to tell, or the
 * switch off (Settings → SEO Bridge) → 0 and no e-mail. Recipients: the wp_seo_bridge_notify option, or when
 * empty every editor and administrator.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_NOTIFY_SWITCH   = 'wp_seo_bridge_notify_enabled';  // '1' (default) | '0'
const WPSB_NOTIFY_MAX_POST = 100;

add_filter( 'xmlrpc_methods', 'wpsb_notify_xmlrpc_methods' );
add_action( 'rest_api_init', 'wpsb_notify_rest_register' );
add_action( 'admin_init', 'wpsb_notify_register_setting', 20 );  // after the settings page's own fields

function wpsb_notify_enabled(): bool {
	return '0' !== (string) get_option( WPSB_NOTIFY_SWITCH, '1' );
}

/** @return string[] e-mail addresses, each once */
function wpsb_notify_recipients(): array {
	$listed = wpsb_option( 'wp_seo_bridge_notify' );
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
 * @param int[] $post_ids
 * @return int|WP_Error the number of recipients, 0 when no e-mail was due
 */
function wpsb_notify_pending( array $post_ids ) {
	if ( ! wpsb_notify_enabled() ) {
		return 0;
	}
	$posts = array();
	foreach ( array_unique( array_map( 'intval', $post_ids ) ) as $post_id ) {
		$post  = $post_id > 0 ? get_post( $post_id ) : null;
		$state = $post ? wpsb_review_state( $post_id ) : null;
		if ( $post && 'post' === $post->post_type && 'pending' === $post->post_status && $state && 'rewritten' === $state['state']
			&& current_user_can( 'edit_post', $post_id ) ) {
			$posts[] = array( $post, $state );
		}
		if ( count( $posts ) >= WPSB_NOTIFY_MAX_POST ) {
			break;
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
		$lines[] = '- ' . wp_strip_all_tags( $post->post_title );  // as typed: no HTML entities in plain text
		$lines[] = '  ' . sprintf(
			/* translators: 1: focus keyphrase, 2: word count, 3: number of check warnings */
			__( 'Focus keyphrase: %1$s · %2$s words · %3$d warnings', 'wp-seo-bridge' ),
			(string) ( $state['keyphrase'] ?? '' ),
			number_format_i18n( (int) ( $state['words'] ?? 0 ) ),
			$warnings
		);
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
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.notifyPending', $args, 4 ) ) {
		return $wp_xmlrpc_server->error;
	}
	if ( ! current_user_can( 'edit_posts' ) ) {
		return new IXR_Error( 401, __( 'Sorry, you are not allowed to edit posts.', 'wp-seo-bridge' ) );
	}
	if ( ! is_array( $args[3] ) ) {
		return new IXR_Error( 400, 'post_ids must be an array of post ids.' );
	}
	$result = wpsb_notify_pending( $args[3] );
	return is_wp_error( $result ) ? wpsb_ixr_error( $result ) : $result;
}

function wpsb_notify_rest_register(): void {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/notify',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_rest_notify',
			'permission_callback' => 'wpsb_rest_can_edit_posts',
			'args'                => array(
				'post_ids' => array(
					'type'     => 'array',
					'items'    => array( 'type' => 'integer' ),
					'required' => true,
				),
			),
		)
	);
}

/** @return WP_REST_Response|WP_Error */
function wpsb_rest_notify( WP_REST_Request $request ) {
	$result = wpsb_notify_pending( (array) $request['post_ids'] );
	return is_wp_error( $result ) ? $result : rest_ensure_response( array( 'recipients' => $result ) );
}

// --- the switch on the settings page (owned by includes/settings.php: only a field is added) -------------

function wpsb_notify_register_setting(): void {
	if ( ! defined( 'WPSB_SETTINGS_GROUP' ) ) {
		return;
	}
	// The setting itself is registered with the others (settings.php, options.php defaults).
	add_settings_field( WPSB_NOTIFY_SWITCH, __( 'Review e-mails', 'wp-seo-bridge' ), 'wpsb_notify_field', WPSB_SETTINGS_PAGE, 'wpsb_main' );
}

function wpsb_notify_field(): void {
	// The hidden input makes an unticked box save '0'.
	printf(
		'<input type="hidden" name="%1$s" value="0"><label><input type="checkbox" id="%1$s" name="%1$s" value="1" %2$s> %3$s</label>',
		esc_attr( WPSB_NOTIFY_SWITCH ),
		checked( wpsb_notify_enabled(), true, false ),
		esc_html__( 'After each pass, e-mail one list of the posts awaiting SEO review', 'wp-seo-bridge' )
	);
}
