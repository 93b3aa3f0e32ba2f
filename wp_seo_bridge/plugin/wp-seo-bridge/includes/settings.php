<?php
/** Settings → SEO Bridge: the admin's switch and opt-in rules (Settings API: nonces and capability included). */

defined( 'ABSPATH' ) || exit;

const WPSB_SETTINGS_PAGE  = 'wp-seo-bridge';
const WPSB_SETTINGS_GROUP = 'wp_seo_bridge';

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_settings_hooks(): void {
	add_action( 'admin_init', 'wpsb_register_settings' );
	add_action( 'admin_menu', 'wpsb_add_settings_page' );
}

function wpsb_register_settings(): void {
	$sanitizers = array(
		WPSB_OPTION_SYNC_ENABLED   => 'wpsb_sanitize_flag',
		WPSB_OPTION_OPT_IN         => 'wpsb_sanitize_opt_in',
		WPSB_OPTION_OPT_IN_TAG     => 'wpsb_sanitize_opt_in_tag',
		WPSB_OPTION_NOTIFY         => 'wpsb_sanitize_notify',
		WPSB_OPTION_NOTIFY_ENABLED => 'wpsb_sanitize_flag',  // its field is added by notify.php
	);
	foreach ( wpsb_option_defaults() as $name => $default ) {
		register_setting(
			WPSB_SETTINGS_GROUP,
			$name,
			array(
				'type'              => 'string',
				'default'           => $default,
				'sanitize_callback' => $sanitizers[ $name ],
			)
		);
	}
	add_settings_section( 'wpsb_main', __( 'Automatic rewriting of drafts', 'wp-seo-bridge' ), 'wpsb_settings_intro', WPSB_SETTINGS_PAGE );
	add_settings_field( WPSB_OPTION_SYNC_ENABLED, __( 'Synchronisation', 'wp-seo-bridge' ), 'wpsb_field_sync_enabled', WPSB_SETTINGS_PAGE, 'wpsb_main' );
	add_settings_field( WPSB_OPTION_OPT_IN, __( 'Drafts to rewrite', 'wp-seo-bridge' ), 'wpsb_field_opt_in', WPSB_SETTINGS_PAGE, 'wpsb_main' );
	add_settings_field( WPSB_OPTION_OPT_IN_TAG, __( 'Opt-in tag (slug)', 'wp-seo-bridge' ), 'wpsb_field_opt_in_tag', WPSB_SETTINGS_PAGE, 'wpsb_main', array( 'label_for' => WPSB_OPTION_OPT_IN_TAG ) );
	add_settings_field( WPSB_OPTION_NOTIFY, __( 'Notify', 'wp-seo-bridge' ), 'wpsb_field_notify', WPSB_SETTINGS_PAGE, 'wpsb_main', array( 'label_for' => WPSB_OPTION_NOTIFY ) );
}

function wpsb_add_settings_page(): void {
	add_options_page( __( 'SEO Bridge', 'wp-seo-bridge' ), __( 'SEO Bridge', 'wp-seo-bridge' ), 'manage_options', WPSB_SETTINGS_PAGE, 'wpsb_render_settings_page' );
}

function wpsb_render_settings_page(): void {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	echo '<div class="wrap"><h1>' . esc_html( get_admin_page_title() ) . '</h1><form action="options.php" method="post">';
	settings_fields( WPSB_SETTINGS_GROUP );
	do_settings_sections( WPSB_SETTINGS_PAGE );
	submit_button();
	echo '</form></div>';
}

function wpsb_settings_intro(): void {
	echo '<p>' . esc_html__( 'When enabled, the SEO Bridge service rewrites opted-in drafts into SEO articles and submits them as Pending Review. Nothing is published without an editor.', 'wp-seo-bridge' ) . '</p>';
}

function wpsb_field_sync_enabled(): void {
	// The hidden input makes an unticked box save '0' instead of keeping the old value.
	printf(
		'<input type="hidden" name="%1$s" value="0"><label><input type="checkbox" id="%1$s" name="%1$s" value="1" %2$s> %3$s</label>',
		esc_attr( WPSB_OPTION_SYNC_ENABLED ),
		checked( wpsb_option( WPSB_OPTION_SYNC_ENABLED ), '1', false ),
		esc_html__( 'Enabled', 'wp-seo-bridge' )
	);
}

function wpsb_field_opt_in(): void {
	$choices = array(
		'tag'        => __( 'Only drafts with the opt-in tag', 'wp-seo-bridge' ),
		'all-drafts' => __( 'All drafts', 'wp-seo-bridge' ),
	);
	wpsb_field_radios( WPSB_OPTION_OPT_IN, $choices, wpsb_option( WPSB_OPTION_OPT_IN ) );
}

/**
 * One radio button a choice, the current one checked (every choice field of the screen).
 *
 * @param array<string, string> $choices value => label
 */
function wpsb_field_radios( string $name, array $choices, string $current ): void {
	foreach ( $choices as $value => $label ) {
		printf(
			'<label><input type="radio" name="%s" value="%s" %s> %s</label><br>',
			esc_attr( $name ),
			esc_attr( $value ),
			checked( $current, $value, false ),
			esc_html( $label )
		);
	}
}

function wpsb_field_opt_in_tag(): void {
	printf( '<input type="text" class="regular-text" id="%1$s" name="%1$s" value="%2$s">', esc_attr( WPSB_OPTION_OPT_IN_TAG ), esc_attr( wpsb_option( WPSB_OPTION_OPT_IN_TAG ) ) );
}

function wpsb_field_notify(): void {
	printf(
		'<input type="text" class="large-text" id="%1$s" name="%1$s" value="%2$s"><p class="description">%3$s</p>',
		esc_attr( WPSB_OPTION_NOTIFY ),
		esc_attr( wpsb_option( WPSB_OPTION_NOTIFY ) ),
		esc_html__( 'Comma separated e-mail addresses. Empty: all editors and administrators.', 'wp-seo-bridge' )
	);
}
