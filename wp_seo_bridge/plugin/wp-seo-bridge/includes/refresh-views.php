<?php
/**
 * The editors' side of a refresh (includes/refresh.php holds the state and the decisions): the settings field, the
 * "Refresh SEO" row and bulk actions, Approve / Reject / Roll back, the "SEO refresh proposals" view of the Posts
 * list, the SEO Bridge refresh box on the live post's edit screen and the live-vs-proposal diff page. Every action
 * goes through admin-post.php with a per-post nonce and the capability on that very post (checked again by the
 * operation itself).
 */

defined( 'ABSPATH' ) || exit;

const WPSB_REFRESH_VIEW = 'wpsb_refresh';
const WPSB_REFRESH_DIFF = 'wpsb-refresh-diff';

/** Every hook of this file. */
function wpsb_refresh_views_hooks(): void {
	add_action( 'admin_init', 'wpsb_refresh_register_setting', 20 );
	add_filter( 'post_row_actions', 'wpsb_refresh_row_actions', 20, 2 );
	add_filter( 'bulk_actions-edit-post', 'wpsb_refresh_bulk_action' );
	add_filter( 'handle_bulk_actions-edit-post', 'wpsb_refresh_handle_bulk', 10, 3 );
	add_filter( 'views_edit-post', 'wpsb_refresh_view' );
	add_action( 'pre_get_posts', 'wpsb_refresh_filter_list' );
	// "Awaiting SEO review" (review-views.php) lists the open proposals too, beside the rewritten drafts.
	add_filter( 'views_edit-post', 'wpsb_refresh_count_in_review_view', 20 );
	add_action( 'pre_get_posts', 'wpsb_refresh_in_review_list', 20 );
	add_filter( 'display_post_states', 'wpsb_refresh_post_states', 10, 2 );
	add_action( 'add_meta_boxes_post', 'wpsb_refresh_add_box' );
	add_action( 'admin_menu', 'wpsb_refresh_diff_page' );
	add_action( 'admin_notices', 'wpsb_refresh_notice' );
}

// --- the setting (Settings → SEO Bridge) -----------------------------------------------------------------

function wpsb_refresh_register_setting(): void {
	if ( ! defined( 'WPSB_SETTINGS_GROUP' ) ) {
		return;
	}
	register_setting(
		WPSB_SETTINGS_GROUP,
		WPSB_REFRESH_OPTION,
		array(
			'type'              => 'string',
			'default'           => '0',
			'sanitize_callback' => 'wpsb_sanitize_flag',
		)
	);
	add_settings_field( WPSB_REFRESH_OPTION, __( 'Published posts', 'wp-seo-bridge' ), 'wpsb_refresh_field', WPSB_SETTINGS_PAGE, 'wpsb_main' );
	$age = array(
		WPSB_REFRESH_AGE_OPTION   => array( 'wpsb_sanitize_refresh_age', '0' ),
		WPSB_REFRESH_PICK_OPTION  => array( 'wpsb_sanitize_refresh_pick', WPSB_REFRESH_PICK_DEFAULT ),
		WPSB_REFRESH_ORDER_OPTION => array( 'wpsb_sanitize_refresh_order', 'oldest' ),
	);
	foreach ( $age as $name => list( $sanitize, $default ) ) {
		register_setting(
			WPSB_SETTINGS_GROUP,
			$name,
			array(
				'type'              => 'string',
				'default'           => $default,
				'sanitize_callback' => $sanitize,
			)
		);
	}
	add_settings_field( WPSB_REFRESH_AGE_OPTION, __( 'Old published posts', 'wp-seo-bridge' ), 'wpsb_refresh_age_field', WPSB_SETTINGS_PAGE, 'wpsb_main', array( 'label_for' => WPSB_REFRESH_AGE_OPTION ) );
}

function wpsb_refresh_field(): void {
	printf(
		'<input type="hidden" name="%1$s" value="0"><label><input type="checkbox" id="%1$s" name="%1$s" value="1" %2$s> %3$s</label><p class="description">%4$s</p>',
		esc_attr( WPSB_REFRESH_OPTION ),
		checked( wpsb_refresh_enabled(), true, false ),
		esc_html__( 'Also refresh published posts', 'wp-seo-bridge' ),
		esc_html__( 'Published and scheduled posts with the opt-in tag, or marked with “Refresh SEO” in the Posts list, get a proposed new version. The live post stays as it is until an editor approves the proposal.', 'wp-seo-bridge' )
	);
}

/** Under "also refresh published posts": the age pick's N days, M a pass, and its order. */
function wpsb_refresh_age_field(): void {
	printf(
		'<label>%1$s <input type="number" class="small-text" min="0" max="%2$d" step="1" id="%3$s" name="%3$s" value="%4$s"> %5$s</label><br>',
		esc_html__( 'Also pick published posts not modified for', 'wp-seo-bridge' ),
		(int) WPSB_REFRESH_AGE_MAX_DAYS,
		esc_attr( WPSB_REFRESH_AGE_OPTION ),
		esc_attr( (string) wpsb_refresh_age_days() ),
		esc_html__( 'days (0: off)', 'wp-seo-bridge' )
	);
	printf(
		'<label>%1$s <input type="number" class="small-text" min="1" max="%2$d" step="1" id="%3$s" name="%3$s" value="%4$s"> %5$s</label><br>',
		esc_html__( 'at most', 'wp-seo-bridge' ),
		(int) WPSB_REFRESH_PICK_MAX,
		esc_attr( WPSB_REFRESH_PICK_OPTION ),
		esc_attr( (string) wpsb_refresh_pick_max() ),
		esc_html__( 'posts per pass', 'wp-seo-bridge' )
	);
	$orders = array(
		'oldest'  => __( 'Oldest first', 'wp-seo-bridge' ),
		'weakest' => __( 'Weakest Yoast SEO score first', 'wp-seo-bridge' ),
	);
	wpsb_field_radios( WPSB_REFRESH_ORDER_OPTION, $orders, wpsb_sanitize_refresh_order( wpsb_option( WPSB_REFRESH_ORDER_OPTION ) ) );  // settings.php
	printf(
		'<p class="description">%s</p>',
		esc_html__( 'Published posts only (not scheduled ones), after the tagged and asked ones, each live version once. Posts Yoast SEO has not scored come after the scored ones. Needs “Also refresh published posts”.', 'wp-seo-bridge' )
	);
}

// --- actions: which ones is wpsb_refresh_actions() (refresh.php), through wpsb_review_actions(); their requests
// go through review-requests.php's handler (capability on the post, nonce, the operation) ----------------

function wpsb_refresh_diff_url( int $post_id ): string {
	return add_query_arg(
		array(
			'page' => WPSB_REFRESH_DIFF,
			'post' => $post_id,
		),
		admin_url( 'edit.php' )
	);
}

function wpsb_refresh_bulk_action( array $actions ): array {
	if ( wpsb_refresh_enabled() ) {
		$actions['wpsb_refresh_ask'] = __( 'Refresh SEO', 'wp-seo-bridge' );
	}
	return $actions;
}

/** Core checked the list's nonce (bulk-posts); each post is checked on its own by wpsb_refresh_ask(). */
function wpsb_refresh_handle_bulk( $redirect, $action, $post_ids ): string {
	if ( 'wpsb_refresh_ask' !== $action ) {
		return (string) $redirect;
	}
	$asked = 0;
	foreach ( array_map( 'intval', (array) $post_ids ) as $post_id ) {
		$asked += true === wpsb_refresh_ask( $post_id ) ? 1 : 0;
	}
	return add_query_arg( 'wpsb_refresh_asked', $asked, (string) $redirect );
}

function wpsb_refresh_notice(): void {
	// Display only, after the review handler's redirect (the action checked its nonce).
	$done  = sanitize_key( $_GET['wpsb_done'] ?? '' );  // phpcs:ignore WordPress.Security.NonceVerification.Recommended
	$asked = isset( $_GET['wpsb_refresh_asked'] ) ? absint( $_GET['wpsb_refresh_asked'] ) : -1;  // phpcs:ignore WordPress.Security.NonceVerification.Recommended
	$texts = array(
		'refresh_approve'  => __( 'SEO refresh approved: the live post now has the new text and SEO fields (same URL).', 'wp-seo-bridge' ),
		'refresh_reject'   => __( 'SEO refresh proposal rejected: the live post is unchanged.', 'wp-seo-bridge' ),
		'refresh_rollback' => __( 'SEO refresh rolled back: the previous text and SEO fields are live again.', 'wp-seo-bridge' ),
		'refresh_ask'      => __( 'SEO Bridge will propose a refresh at its next pass.', 'wp-seo-bridge' ),
	);
	$text  = $texts[ $done ] ?? ( $asked >= 0 ? $texts['refresh_ask'] : '' );
	if ( '' !== $text ) {
		printf( '<div class="notice notice-success is-dismissible wpsb-refresh-done"><p>%s</p></div>', esc_html( $text ) );
	}
}

/** The refresh's actions of wpsb_review_actions() (the one list every view shows), as buttons. */
function wpsb_refresh_buttons( WP_Post $post ): string {
	$links = array();
	foreach ( wpsb_review_actions( $post ) as $name => $action ) {
		if ( str_starts_with( $name, 'refresh_' ) ) {
			$links[] = wpsb_review_action_link( $name, $action, empty( $action['primary'] ) ? 'button' : 'button button-primary', $action['label'] );
		}
	}
	return implode( ' ', $links );
}

/** Beside the row actions of wpsb_review_actions(): the diff link, while a proposal waits. */
function wpsb_refresh_row_actions( array $actions, WP_Post $post ): array {
	$state = wpsb_refresh_is_live( $post ) && current_user_can( 'edit_post', $post->ID ) ? wpsb_refresh_state( $post->ID ) : null;
	if ( $state && WPSB_STATE_REWRITTEN === $state['state'] && wpsb_refresh_proposal( $post->ID ) ) {
		$actions['wpsb_refresh_diff'] = sprintf( '<a class="wpsb-refresh-diff" href="%s">%s</a>', esc_url( wpsb_refresh_diff_url( $post->ID ) ), esc_html__( 'Compare live and proposal', 'wp-seo-bridge' ) );
	}
	return $actions;
}

// --- the Posts list view ---------------------------------------------------------------------------------

function wpsb_refresh_meta_query(): array {
	return array(
		array(
			'key'     => WPSB_REFRESH_KEY,
			'value'   => '"state"[[:space:]]*:[[:space:]]*"rewritten"',
			'compare' => 'REGEXP',
		),
	);
}

function wpsb_refresh_listing(): bool {
	global $pagenow;
	return is_admin() && 'edit.php' === $pagenow && ! empty( $_GET[ WPSB_REFRESH_VIEW ] );  // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a list filter, like core's post_status=
}

function wpsb_refresh_view( array $views ): array {
	$count = wpsb_refresh_open_count();
	if ( ! $count && ! wpsb_refresh_listing() ) {
		return $views;
	}
	if ( wpsb_refresh_listing() ) {
		$views = str_replace( array( ' class="current"', ' aria-current="page"' ), '', $views );
	}
	$views[ WPSB_REFRESH_VIEW ] = sprintf(
		'<a href="%s"%s>%s <span class="count">(%s)</span></a>',
		esc_url( add_query_arg( WPSB_REFRESH_VIEW, 1, admin_url( 'edit.php' ) ) ),
		wpsb_refresh_listing() ? ' class="current" aria-current="page"' : '',
		esc_html__( 'SEO refresh proposals', 'wp-seo-bridge' ),
		number_format_i18n( $count )
	);
	return $views;
}

function wpsb_refresh_filter_list( WP_Query $query ): void {
	if ( wpsb_refresh_listing() && $query->is_main_query() ) {
		$query->set( 'post_status', WPSB_REFRESH_STATUSES );
		$query->set( 'meta_query', wpsb_refresh_meta_query() );
	}
}

/** The number of live posts with an open proposal. */
function wpsb_refresh_open_count(): int {
	return ( new WP_Query(
		array(
			'post_type'      => 'post',
			'post_status'    => WPSB_REFRESH_STATUSES,
			'meta_query'     => wpsb_refresh_meta_query(),  // phpcs:ignore WordPress.DB.SlowDBQuery -- one indexed key
			'fields'         => 'ids',
			'posts_per_page' => 1,
		)
	) )->found_posts;
}

/** Adds the open proposals to the count of "Awaiting SEO review" (the view's own count is of pending drafts). */
function wpsb_refresh_count_in_review_view( array $views ): array {
	$extra = ! empty( $views[ WPSB_REVIEW_VIEW ] ) ? wpsb_refresh_open_count() : 0;
	if ( $extra ) {
		$views[ WPSB_REVIEW_VIEW ] = (string) preg_replace_callback(
			'#<span class="count">\(([^)]*)\)</span>#',
			static fn( $m ) => '<span class="count">(' . number_format_i18n( (int) preg_replace( '/\D/', '', $m[1] ) + $extra ) . ')</span>',
			$views[ WPSB_REVIEW_VIEW ]
		);
	}
	return $views;
}

/** After review-views.php narrowed its list to pending rewrites: the live posts with an open proposal as well. */
function wpsb_refresh_in_review_list( WP_Query $query ): void {
	if ( ! function_exists( 'wpsb_review_listing' ) || ! wpsb_review_listing() || ! $query->is_main_query() ) {
		return;
	}
	$query->set( 'post_status', array_merge( array( 'pending' ), WPSB_REFRESH_STATUSES ) );
	$query->set(
		'meta_query',  // phpcs:ignore WordPress.DB.SlowDBQuery -- two indexed keys
		array(
			'relation' => 'OR',
			(array) $query->get( 'meta_query' ),  // the rewritten drafts (pending only: the state says so)
			wpsb_refresh_meta_query(),
		)
	);
}

function wpsb_refresh_post_states( array $states, WP_Post $post ): array {
	$state = wpsb_refresh_is_live( $post ) ? wpsb_refresh_state( $post->ID ) : null;
	if ( $state && WPSB_STATE_REWRITTEN === $state['state'] ) {
		$states['wpsb_refresh'] = __( 'SEO refresh proposed', 'wp-seo-bridge' );
	}
	return $states;
}

// --- the live post's edit screen ---------------------------------------------------------------------------

function wpsb_refresh_add_box( WP_Post $post ): void {
	// Classic editor only: a meta box in the block editor would turn its iframe off (WordPress 6.3+); there the
	// Posts list's row actions and the diff page carry the same actions.
	if ( wpsb_refresh_is_live( $post ) && wpsb_refresh_state( $post->ID ) ) {
		add_meta_box( 'wpsb-refresh', __( 'SEO Bridge refresh', 'wp-seo-bridge' ), 'wpsb_refresh_box', 'post', 'side', 'default', array( '__back_compat_meta_box' => true ) );
	}
}

function wpsb_refresh_box( WP_Post $post ): void {
	$state = wpsb_refresh_state( $post->ID );
	$lines = array(
		WPSB_STATE_REWRITTEN => __( 'A refreshed version is proposed. The live post is unchanged until an editor approves it.', 'wp-seo-bridge' ),
		WPSB_STATE_APPROVED  => __( 'The refresh was approved and is live.', 'wp-seo-bridge' ),
		WPSB_STATE_REJECTED  => __( 'The refresh was rejected or rolled back.', 'wp-seo-bridge' ),
		WPSB_STATE_CLAIMED   => __( 'SEO Bridge is rewriting this post right now.', 'wp-seo-bridge' ),
		WPSB_STATE_FAILED    => __( 'The refresh failed:', 'wp-seo-bridge' ) . ' ' . (string) ( $state['reason'] ?? '' ),
	);
	if ( $state && isset( $lines[ $state['state'] ] ) ) {
		printf( '<p class="wpsb-refresh-status">%s</p>', esc_html( $lines[ $state['state'] ] ) );
	}
	$proposal = $state && WPSB_STATE_REWRITTEN === $state['state'] ? wpsb_refresh_proposal( $post->ID ) : null;
	if ( $proposal ) {
		wpsb_refresh_yoast_table( $post, $proposal );
	}
	if ( $proposal ) {
		printf( '<p><a class="wpsb-refresh-diff" href="%s">%s</a></p>', esc_url( wpsb_refresh_diff_url( $post->ID ) ), esc_html__( 'Compare live and proposal', 'wp-seo-bridge' ) );
	}
	echo '<p class="wpsb-refresh-actions">' . wpsb_refresh_buttons( $post ) . '</p>';  // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in wpsb_review_action_link()
}

/** The three Yoast fields, live and proposed. */
function wpsb_refresh_yoast_table( WP_Post $post, WP_Post $proposal ): void {
	$names = array(
		WPSB_YOAST_TITLE_KEY    => __( 'SEO title', 'wp-seo-bridge' ),
		WPSB_YOAST_METADESC_KEY => __( 'meta description', 'wp-seo-bridge' ),
		WPSB_YOAST_FOCUSKW_KEY  => __( 'focus keyphrase', 'wp-seo-bridge' ),
	);
	$live  = wpsb_refresh_yoast( $post->ID );
	$new   = wpsb_refresh_yoast( $proposal->ID );
	echo '<table class="widefat striped wpsb-refresh-yoast"><thead><tr><th></th><th>' . esc_html__( 'Live', 'wp-seo-bridge' ) . '</th><th>' . esc_html__( 'Proposed', 'wp-seo-bridge' ) . '</th></tr></thead><tbody>';
	foreach ( $names as $key => $label ) {
		printf( '<tr><th>%s</th><td>%s</td><td>%s</td></tr>', esc_html( $label ), esc_html( $live[ $key ] ), esc_html( $new[ $key ] ) );
	}
	echo '</tbody></table>';
}

// --- the diff page (live vs proposal, core's text diff) ---------------------------------------------------

function wpsb_refresh_diff_page(): void {
	// Registered under Posts so its URL and capability work, then taken out of the menu: it is reached by links.
	add_submenu_page( 'edit.php', __( 'SEO refresh: live and proposal', 'wp-seo-bridge' ), '', 'edit_posts', WPSB_REFRESH_DIFF, 'wpsb_refresh_render_diff' );
	remove_submenu_page( 'edit.php', WPSB_REFRESH_DIFF );
}

function wpsb_refresh_render_diff(): void {
	$post_id  = absint( $_GET['post'] ?? 0 );  // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a read-only page; rights checked on the post
	$post     = get_post( $post_id );
	$proposal = $post ? wpsb_refresh_proposal( $post->ID ) : null;
	if ( ! $post || ! $proposal || ! current_user_can( 'edit_post', $post->ID ) ) {
		wp_die( esc_html__( 'This post has no SEO refresh proposal waiting.', 'wp-seo-bridge' ), 404 );
	}
	$labels = array(
		'title_left'  => __( 'Live', 'wp-seo-bridge' ),
		'title_right' => __( 'Proposed', 'wp-seo-bridge' ),
	);
	// The page is out of the menu, so get_admin_page_title() has no title for it: say it here.
	echo '<div class="wrap"><h1>' . esc_html__( 'SEO refresh: live and proposal', 'wp-seo-bridge' ) . ' — ' . esc_html( get_the_title( $post ) ) . '</h1>';
	wpsb_refresh_yoast_table( $post, $proposal );
	// wp_text_diff() escapes both texts itself.
	echo wp_text_diff( $post->post_title, $proposal->post_title, $labels );  // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- core's diff table, texts escaped by it
	echo wp_text_diff( $post->post_content, $proposal->post_content, $labels );  // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- core's diff table, texts escaped by it
	echo '<p class="wpsb-refresh-actions">' . wpsb_refresh_buttons( $post ) . '</p></div>';  // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in wpsb_review_action_link()
}
