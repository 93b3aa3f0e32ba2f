<?php
/** The site admin's settings (Settings → SEO Bridge; names in constants.php). All values are strings, as stored. */

defined( 'ABSPATH' ) || exit;

function wpsb_option_defaults(): array {
	return array(
		WPSB_OPTION_SYNC_ENABLED   => '0',
		WPSB_OPTION_OPT_IN         => 'tag',
		WPSB_OPTION_OPT_IN_TAG     => 'seo-bridge',
		WPSB_OPTION_NOTIFY         => '',
		WPSB_OPTION_NOTIFY_ENABLED => '1',
	);
}

function wpsb_add_default_options(): void {
	foreach ( wpsb_option_defaults() as $name => $value ) {
		add_option( $name, $value );  // keeps an existing value
	}
}

function wpsb_option( string $name ): string {
	return (string) get_option( $name, wpsb_option_defaults()[ $name ] ?? '' );
}

function wpsb_sanitize_flag( $value ): string {
	return in_array( $value, array( '1', 1, true, 'on', 'yes' ), true ) ? '1' : '0';
}

function wpsb_sanitize_opt_in( $value ): string {
	return in_array( $value, array( 'tag', 'all-drafts' ), true ) ? $value : 'tag';
}

function wpsb_sanitize_opt_in_tag( $value ): string {
	$slug = sanitize_title( (string) $value );
	return '' === $slug ? 'seo-bridge' : $slug;
}

/** Keeps the valid addresses only, normalised to "a@b.fr, c@d.fr". */
function wpsb_sanitize_notify( $value ): string {
	$emails = array();
	foreach ( preg_split( '/[\s,;]+/', (string) $value, -1, PREG_SPLIT_NO_EMPTY ) as $candidate ) {
		$email = sanitize_email( $candidate );
		if ( $email && is_email( $email ) ) {
			$emails[] = $email;
		}
	}
	return implode( ', ', array_unique( $emails ) );
}

// The age pick of published posts (includes/refresh.php): off by default, a few posts a pass when on.
const WPSB_REFRESH_AGE_MAX_DAYS  = 3650;
const WPSB_REFRESH_PICK_DEFAULT  = '5';
const WPSB_REFRESH_PICK_MAX      = 100;  // one pass's share; the daemon's max_posts_per_pass and budget still cap it
const WPSB_REFRESH_ORDER_CHOICES = array( 'oldest', 'weakest' );

/** Days without a modification before a published post may be picked: '0' (off, also for empty) to 3650. */
function wpsb_sanitize_refresh_age( $value ): string {
	return (string) max( 0, min( WPSB_REFRESH_AGE_MAX_DAYS, (int) ( is_numeric( $value ) ? $value : 0 ) ) );
}

/** Posts picked by age per pass: 1 to 100 (empty or 0: the default). */
function wpsb_sanitize_refresh_pick( $value ): string {
	$max = (int) ( is_numeric( $value ) ? $value : 0 );
	return $max < 1 ? WPSB_REFRESH_PICK_DEFAULT : (string) min( WPSB_REFRESH_PICK_MAX, $max );
}

function wpsb_sanitize_refresh_order( $value ): string {
	return in_array( $value, WPSB_REFRESH_ORDER_CHOICES, true ) ? $value : 'oldest';
}
