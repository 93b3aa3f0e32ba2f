<?php
/**
 * Plugin Name: wp-seo-bridge local test site
 * Description: LOCAL TEST SITE ONLY (scripts/wordpress-local.sh). Application passwords over plain http,
 *              e-mails written to files instead of being sent, Yoast's indexables stored as on production.
 * License:     GPL-2.0-or-later
 *
 * Acts only where the site config defines WPSB_LOCAL_MAIL_DIR, i.e. on sites the script wrote.
 */

defined( 'ABSPATH' ) || exit;

if ( defined( 'WPSB_LOCAL_MAIL_DIR' ) && 'local' === wp_get_environment_type() ) {
	// Real sites need https for application passwords; this one is plain http on 127.0.0.1.
	add_filter( 'wp_is_application_passwords_available', '__return_true' );

	// No sendmail here: keep each message as JSON so tests can read what editors would receive.
	add_filter( 'pre_wp_mail', 'wpsb_local_capture_mail', 10, 2 );

	// Yoast SEO stores its indexables (what it prints in <head>, its Posts list columns) only on production
	// sites; our users' sites are, so this one behaves the same for Yoast.
	add_filter( 'Yoast\WP\SEO\should_index_indexables', '__return_true' );

	// `wordpress-local.sh option wpsb_local_classic_editor 1`: posts open in the classic editor, as with the
	// Classic Editor plugin (tests of the classic meta box).
	if ( '1' === get_option( 'wpsb_local_classic_editor' ) ) {
		add_filter( 'use_block_editor_for_post', '__return_false', 100 );
	}
}

/**
 * @param null|bool $short_circuit
 * @param array     $atts to, subject, message, headers, attachments
 */
function wpsb_local_capture_mail( $short_circuit, $atts ) {
	$to      = is_array( $atts['to'] ) ? $atts['to'] : explode( ',', (string) $atts['to'] );
	$headers = is_array( $atts['headers'] ) ? $atts['headers'] : array_filter( explode( "\n", str_replace( "\r\n", "\n", (string) $atts['headers'] ) ) );
	$mail    = array(
		'to'          => array_values( array_map( 'trim', $to ) ),
		'subject'     => (string) $atts['subject'],
		'message'     => (string) $atts['message'],
		'headers'     => array_values( $headers ),
		'attachments' => array_values( (array) $atts['attachments'] ),
		'at'          => gmdate( 'Y-m-d\TH:i:s\Z' ),
	);
	$name = sprintf( '%s/%s-%s.json', WPSB_LOCAL_MAIL_DIR, gmdate( 'Ymd\THis' ) . substr( (string) microtime(), 1, 7 ), wp_generate_password( 6, false ) );
	$ok   = false !== file_put_contents( $name, wp_json_encode( $mail, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES ) );
	if ( $ok ) {
		do_action( 'wp_mail_succeeded', $mail );
	}
	return $ok;
}
