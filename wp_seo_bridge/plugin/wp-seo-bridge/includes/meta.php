<?php
/**
 * Protected meta (keys starting with "_") is dropped silently by the APIs unless registered with an
 * auth_callback. Whoever may edit the post may write these; nobody else.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_STATE_KEY    = '_wp_seo_bridge_state';     // JSON: the daemon's bookkeeping (claim, result, failure)
const WPSB_PREVIOUS_KEY = '_wp_seo_bridge_previous';  // JSON: Yoast values before our rewrite (for Reject)

function wpsb_meta_keys(): array {
	return array( '_yoast_wpseo_title', '_yoast_wpseo_metadesc', '_yoast_wpseo_focuskw', WPSB_STATE_KEY, WPSB_PREVIOUS_KEY );
}

add_action( 'init', 'wpsb_register_meta' );

function wpsb_register_meta(): void {
	foreach ( wpsb_meta_keys() as $key ) {
		register_post_meta(
			'',
			$key,
			array(
				'single'        => true,
				'type'          => 'string',
				'show_in_rest'  => true,
				'auth_callback' => 'wpsb_can_edit_meta',
			)
		);
	}
}

function wpsb_can_edit_meta( $allowed, $meta_key, $post_id ): bool {
	return current_user_can( 'edit_post', (int) $post_id );
}
