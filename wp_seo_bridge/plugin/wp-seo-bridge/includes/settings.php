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
		'wp_seo_bridge_sync_enabled'   => 'wpsb_sanitize_flag',
		'wp_seo_bridge_opt_in'         => 'wpsb_sanitize_opt_in',
		'wp_seo_bridge_opt_in_tag'     => 'wpsb_sanitize_opt_in_tag',
		'wp_seo_bridge_notify'         => 'wpsb_sanitize_notify',
		'wp_seo_bridge_notify_enabled' => 'wpsb_sanitize_flag',  // its field is added by notify.php
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
	add_settings_field( 'wp_seo_bridge_sync_enabled', __( 'Synchronisation', 'wp-seo-bridge' ), 'wpsb_field_sync_enabled', WPSB_SETTINGS_PAGE, 'wpsb_main' );
	add_settings_field( 'wp_seo_bridge_opt_in', __( 'Drafts to rewrite', 'wp-seo-bridge' ), 'wpsb_field_opt_in', WPSB_SETTINGS_PAGE, 'wpsb_main' );
	add_settings_field( 'wp_seo_bridge_opt_in_tag', __( 'Opt-in tag (slug)', 'wp-seo-bridge' ), 'wpsb_field_opt_in_tag', WPSB_SETTINGS_PAGE, 'wpsb_main', array( 'label_for' => 'wp_seo_bridge_opt_in_tag' ) );
	add_settings_field( 'wp_seo_bridge_notify', __( 'Notify', 'wp-seo-bridge' ), 'wpsb_field_notify', WPSB_SETTINGS_PAGE, 'wpsb_main', array( 'label_for' => 'wp_seo_bridge_notify' ) );
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
		'<input type="hidden" name="wp_seo_bridge_sync_enabled" value="0"><label><input type="checkbox" id="wp_seo_bridge_sync_enabled" name="wp_seo_bridge_sync_enabled" value="1" %s> %s</label>',
		checked( wpsb_option( 'wp_seo_bridge_sync_enabled' ), '1', false ),
		esc_html__( 'Enabled', 'wp-seo-bridge' )
	);
}

function wpsb_field_opt_in(): void {
	$choices = array(
		'tag'        => __( 'Only drafts with the opt-in tag', 'wp-seo-bridge' ),
		'all-drafts' => __( 'All drafts', 'wp-seo-bridge' ),
	);
	foreach ( $choices as $value => $label ) {
		printf(
			'<label><input type="radio" name="wp_seo_bridge_opt_in" value="%s" %s> %s</label><br>',
			esc_attr( $value ),
			checked( wpsb_option( 'wp_seo_bridge_opt_in' ), $value, false ),
			esc_html( $label )
		);
	}
}

function wpsb_field_opt_in_tag(): void {
	printf( '<input type="text" class="regular-text" id="wp_seo_bridge_opt_in_tag" name="wp_seo_bridge_opt_in_tag" value="%s">', esc_attr( wpsb_option( 'wp_seo_bridge_opt_in_tag' ) ) );
}

function wpsb_field_notify(): void {
	printf(
		'<input type="text" class="large-text" id="wp_seo_bridge_notify" name="wp_seo_bridge_notify" value="%s"><p class="description">%s</p>',
		esc_attr( wpsb_option( 'wp_seo_bridge_notify' ) ),
		esc_html__( 'Comma separated e-mail addresses. Empty: all editors and administrators.', 'wp-seo-bridge' )
	);
}
