<?php
/**
 * The editors' side of a rewrite, inside WordPress (output only, escaped where printed):
 *   - the "SEO Bridge" panel on every post the robot touched (block and classic editor): keyphrase, words, the
 *     check report, model, tokens, cost, time, Compare Revisions, and the Approve / Reject buttons;
 *   - the Posts list: an "Awaiting SEO review" view and Approve / Reject / Rewrite again row actions;
 *   - the notice after an action.
 */

defined( 'ABSPATH' ) || exit;

function wpsb_review_views_hooks(): void {
	add_action( 'admin_notices', 'wpsb_review_notice' );
	add_action( 'add_meta_boxes_post', 'wpsb_review_add_meta_box' );
	add_action( 'admin_enqueue_scripts', 'wpsb_review_assets' );
	add_filter( 'views_edit-post', 'wpsb_review_view' );
	add_action( 'pre_get_posts', 'wpsb_review_filter_list' );
	add_filter( 'post_row_actions', 'wpsb_review_row_actions', 10, 2 );
	add_filter( 'display_post_states', 'wpsb_review_post_states', 10, 2 );
}

/** What an action did, for the notice after the redirect (codes only travel in the URL, never text). */
function wpsb_review_done_message( string $done, WP_Post $post ): string {
	$title = get_the_title( $post );
	switch ( $done ) {
		case 'published':
			/* translators: %s: post title */
			return sprintf( __( '“%s” is approved and published.', 'wp-seo-bridge' ), $title );
		case 'scheduled':
			/* translators: 1: post title, 2: date */
			return sprintf( __( '“%1$s” is approved and scheduled for %2$s.', 'wp-seo-bridge' ), $title, get_the_date( '', $post ) . ' ' . get_the_time( '', $post ) );
		case 'reject':
			/* translators: %s: post title */
			return sprintf( __( 'Rewrite of “%s” rejected: the previous text and SEO fields are back, as a draft.', 'wp-seo-bridge' ), $title );
		case 'rewrite_again':
			/* translators: %s: post title */
			return sprintf( __( '“%s” will be rewritten again at the next SEO Bridge pass.', 'wp-seo-bridge' ), $title );
	}
	return '';
}

/** The message for the outcome of the action this page was redirected from, '' when none. */
function wpsb_review_done_text(): string {
	[ $done, $post ] = wpsb_review_done_from_request();
	return $post ? wpsb_review_done_message( $done, $post ) : '';
}

function wpsb_review_notice(): void {
	$message = wpsb_review_done_text();
	if ( '' !== $message ) {
		printf( '<div class="notice notice-success is-dismissible wpsb-notice"><p>%s</p></div>', esc_html( $message ) );
	}
}

// --- the panel -------------------------------------------------------------------------------------------


/**
 * The classic editor only: in the block editor the panel is a document sidebar panel (review.js), since any
 * classic meta box turns the block editor's iframe off (WordPress 6.3+).
 */
function wpsb_review_add_meta_box( WP_Post $post ): void {
	if ( wpsb_review_state( $post->ID ) && ! wpsb_review_block_editor( $post ) ) {
		add_meta_box( 'wpsb-review', __( 'SEO Bridge review', 'wp-seo-bridge' ), 'wpsb_review_meta_box', 'post', 'side', 'high' );
	}
}

function wpsb_review_block_editor( WP_Post $post ): bool {
	return function_exists( 'use_block_editor_for_post' ) && use_block_editor_for_post( $post );
}

function wpsb_review_assets( string $hook ): void {
	if ( ! in_array( $hook, array( 'post.php', 'edit.php' ), true ) ) {
		return;
	}
	$post  = 'post.php' === $hook ? get_post() : null;
	$block = $post && wpsb_review_block_editor( $post ) && current_user_can( 'edit_post', $post->ID );
	// The Posts list and the classic editor only need the Reject confirmation (plain DOM); the block editor's
	// panel and notices need the editor's packages. PluginDocumentSettingPanel moved from wp.editPost to
	// wp.editor in WordPress 6.6 (the old one logs a deprecation there).
	$deps = array();
	if ( $block ) {
		$deps = array( 'wp-plugins', 'wp-element', 'wp-data', 'wp-dom-ready', 'wp-notices', 'wp-editor' );
		if ( version_compare( get_bloginfo( 'version' ), '6.6', '<' ) ) {
			$deps[] = 'wp-edit-post';
		}
	}
	wp_enqueue_style( 'wpsb-review', plugins_url( 'assets/review.css', WPSB_FILE ), array(), WPSB_VERSION );
	wp_enqueue_script( 'wpsb-review', plugins_url( 'assets/review.js', WPSB_FILE ), $deps, WPSB_VERSION, true );
	$settings = array(
		'confirmReject' => __( 'Reject this rewrite? The text and SEO fields from before the rewrite come back, as a draft.', 'wp-seo-bridge' ),
	);
	if ( $block ) {
		$settings += wpsb_review_block_editor_settings( $post );
	}
	wp_localize_script( 'wpsb-review', 'wpsbReview', $settings );
}

/**
 * The block editor hides classic admin notices: announce the review (with the same actions as the panel) and
 * the outcome of an action in its own notice area; the panel itself goes in the document sidebar.
 */
function wpsb_review_block_editor_settings( WP_Post $post ): array {
	$state = wpsb_review_state( $post->ID );
	if ( ! $state ) {
		return array();
	}
	$done = wpsb_review_done_text();
	// The panel's content is the classic meta box's, rendered here (escaped piece by piece there).
	ob_start();
	wpsb_review_meta_box( $post );
	$settings = array(
		'done'  => $done,
		'panel' => array(
			'title' => __( 'SEO Bridge review', 'wp-seo-bridge' ),
			'html'  => (string) ob_get_clean(),
			'open'  => wpsb_review_is_open( $post, $state ),
		),
	);
	if ( '' === $done && wpsb_review_is_open( $post, $state ) ) {
		$settings['review']  = __( 'SEO Bridge rewrote this post. Read it, compare it with the previous version (SEO Bridge review panel, in the sidebar), then:', 'wp-seo-bridge' );
		$settings['actions'] = array();
		foreach ( wpsb_review_actions( $post ) as $name => $action ) {
			$settings['actions'][] = array(
				'name'    => str_replace( '_', '-', $name ),
				'label'   => $action['label'],
				'url'     => $action['url'],
				'primary' => ! empty( $action['primary'] ),
				'confirm' => $action['confirm'] ?? '',
			);
		}
	}
	return $settings;
}

function wpsb_review_meta_box( WP_Post $post ): void {
	$state = wpsb_review_state( $post->ID );
	if ( ! $state || ! current_user_can( 'edit_post', $post->ID ) ) {
		return;
	}
	$done = wpsb_review_done_text();
	if ( '' !== $done ) {
		printf( '<p class="wpsb-done">%s</p>', esc_html( $done ) );
	}
	echo '<p class="wpsb-status wpsb-status-' . esc_attr( $state['state'] ) . '">' . esc_html( wpsb_review_status_line( $post, $state ) ) . '</p>';
	wpsb_review_facts( $state );
	wpsb_review_links( $state );  // includes/links.php
	wpsb_review_report( (array) ( $state['report'] ?? array() ) );

	$compare = wpsb_review_compare_url( $post, $state );
	if ( '' !== $compare ) {
		printf( '<p><a class="wpsb-compare" href="%s">%s</a></p>', esc_url( $compare ), esc_html__( 'Compare with the version before the rewrite', 'wp-seo-bridge' ) );
	}
	wpsb_review_buttons( $post, $state );
}

function wpsb_review_status_line( WP_Post $post, array $state ): string {
	$who = (string) ( $state['reviewed_by'] ?? '' );
	switch ( $state['state'] ) {
		case WPSB_STATE_REWRITTEN:
			return 'pending' === $post->post_status
				? __( 'Rewritten by SEO Bridge: waiting for your review.', 'wp-seo-bridge' )
				: __( 'Rewritten by SEO Bridge.', 'wp-seo-bridge' );
		case WPSB_STATE_APPROVED:
			/* translators: %s: user name */
			return $who ? sprintf( __( 'Approved by %s.', 'wp-seo-bridge' ), $who ) : __( 'Approved.', 'wp-seo-bridge' );
		case WPSB_STATE_REJECTED:
			/* translators: %s: user name */
			return $who ? sprintf( __( 'Rewrite rejected by %s: this is the previous version.', 'wp-seo-bridge' ), $who ) : __( 'Rewrite rejected: this is the previous version.', 'wp-seo-bridge' );
		case WPSB_STATE_FAILED:
			/* translators: %s: why the rewrite failed */
			return sprintf( __( 'Not rewritten: %s. Edit the draft to try again.', 'wp-seo-bridge' ), (string) ( $state['reason'] ?? '' ) );
		case WPSB_STATE_CLAIMED:
			return __( 'SEO Bridge is rewriting this draft right now.', 'wp-seo-bridge' );
	}
	/* translators: %s: a state name */
	return sprintf( __( 'SEO Bridge: %s.', 'wp-seo-bridge' ), $state['state'] . ( empty( $state['reason'] ) ? '' : ' (' . $state['reason'] . ')' ) );
}

/**
 * What the rewrite cost: real calls only. The offline stand-in's answers say so and cost nothing; a model
 * without a price in the daemon's configuration is shown as unknown, not as free.
 */
function wpsb_review_cost( array $state ): string {
	$calls = (int) ( $state['calls'] ?? 0 );
	if ( ! $calls ) {
		return '';
	}
	if ( (int) ( $state['standin_calls'] ?? 0 ) >= $calls ) {
		return __( 'none (offline stand-in, not Mistral)', 'wp-seo-bridge' );
	}
	$cost = number_format_i18n( (float) ( $state['cost_eur'] ?? 0 ), 4 ) . ' €';
	if ( ! empty( $state['unpriced_calls'] ) ) {
		/* translators: 1: cost in euros, 2: number of calls whose model has no configured price */
		$cost = sprintf( __( '%1$s + %2$s call(s) of a model without a price', 'wp-seo-bridge' ), $cost, number_format_i18n( (int) $state['unpriced_calls'] ) );
	}
	return $cost;
}

function wpsb_review_facts( array $state ): void {
	$at    = strtotime( (string) ( $state['rewritten_at'] ?? ( $state['at'] ?? '' ) ) );
	$facts = array(
		__( 'Focus keyphrase', 'wp-seo-bridge' ) => (string) ( $state['keyphrase'] ?? '' ),
		__( 'Yoast fields', 'wp-seo-bridge' )    => wpsb_review_yoast_origin( $state ),
		__( 'Words', 'wp-seo-bridge' )           => empty( $state['words'] ) ? '' : number_format_i18n( (int) $state['words'] ),
		__( 'Model', 'wp-seo-bridge' )           => (string) ( $state['model'] ?? '' ),
		/* translators: 1: input tokens, 2: output tokens, 3: number of calls */
		__( 'Tokens', 'wp-seo-bridge' )          => empty( $state['calls'] ) ? '' : sprintf( _n( '%1$s in, %2$s out (%3$s call)', '%1$s in, %2$s out (%3$s calls)', (int) $state['calls'], 'wp-seo-bridge' ), number_format_i18n( (int) ( $state['tokens_in'] ?? 0 ) ), number_format_i18n( (int) ( $state['tokens_out'] ?? 0 ) ), number_format_i18n( (int) $state['calls'] ) ),
		__( 'Cost', 'wp-seo-bridge' )            => wpsb_review_cost( $state ),
		__( 'Rewritten', 'wp-seo-bridge' )       => $at ? wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $at ) : '',
	);
	echo '<dl class="wpsb-facts">';
	foreach ( array_filter( $facts, 'strlen' ) as $label => $value ) {
		printf( '<dt>%s</dt><dd>%s</dd>', esc_html( $label ), esc_html( $value ) );
	}
	echo '</dl>';
}

/** Which Yoast fields the author set (kept as they were) and which SEO Bridge wrote; '' before daemon 0.3. */
function wpsb_review_yoast_origin( array $state ): string {
	if ( ! in_array( $state['state'] ?? '', array( WPSB_STATE_REWRITTEN, WPSB_STATE_APPROVED ), true ) || ! is_array( $state['author_fields'] ?? null ) ) {
		return '';
	}
	$names  = array(
		'focus_keyphrase'  => __( 'focus keyphrase', 'wp-seo-bridge' ),
		'seo_title'        => __( 'SEO title', 'wp-seo-bridge' ),
		'meta_description' => __( 'meta description', 'wp-seo-bridge' ),
	);
	$author = array_intersect_key( $names, array_flip( array_map( 'strval', $state['author_fields'] ) ) );
	$bot    = array_diff_key( $names, $author );
	$parts  = array();
	if ( $author ) {
		/* translators: %s: list of Yoast fields */
		$parts[] = sprintf( __( 'set by the author: %s', 'wp-seo-bridge' ), implode( ', ', $author ) );
	}
	if ( $bot ) {
		/* translators: %s: list of Yoast fields */
		$parts[] = sprintf( __( 'written by SEO Bridge: %s', 'wp-seo-bridge' ), implode( ', ', $bot ) );
	}
	return implode( ' · ', $parts );
}

/** Each check of the daemon: passed, warning (reported, not blocking) or failed. */
function wpsb_review_report( array $report ): void {
	$findings = array_values( array_filter( $report, 'is_array' ) );
	if ( ! $findings ) {
		return;
	}
	$count = array(
		'ok'   => 0,
		'warn' => 0,
		'fail' => 0,
	);
	$items = '';
	foreach ( $findings as $finding ) {
		$kind = ! empty( $finding['ok'] ) ? 'ok' : ( empty( $finding['blocking'] ) ? 'warn' : 'fail' );
		++$count[ $kind ];
		$items .= sprintf(
			'<li class="wpsb-check wpsb-check-%s" title="%s"><span class="screen-reader-text">%s</span>%s</li>',
			esc_attr( $kind ),
			esc_attr( (string) ( $finding['code'] ?? '' ) ),
			esc_html(
				array(
					'ok'   => __( 'Passed:', 'wp-seo-bridge' ),
					'warn' => __( 'Warning:', 'wp-seo-bridge' ),
					'fail' => __( 'Failed:', 'wp-seo-bridge' ),
				)[ $kind ]
			),
			esc_html( (string) ( $finding['message'] ?? ( $finding['code'] ?? '' ) ) )
		);
	}
	/* translators: 1: checks passed, 2: warnings, 3: failed */
	$summary = sprintf( __( 'Checks: %1$d passed, %2$d warnings, %3$d failed', 'wp-seo-bridge' ), $count['ok'], $count['warn'], $count['fail'] );
	// Warnings and failures open by default: they are what the editor must read.
	printf(
		'<details class="wpsb-report"%s><summary>%s</summary><ul>%s</ul></details>',
		$count['warn'] + $count['fail'] ? ' open' : '',
		esc_html( $summary ),
		$items  // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped piece by piece above
	);
}

/** One review action (wpsb_review_actions) as a link: a button in the panel, a row action in the Posts list. */
function wpsb_review_action_link( string $name, array $action, string $classes, string $label ): string {
	return sprintf(
		'<a class="%s"%s href="%s">%s</a>',
		esc_attr( trim( $classes . ' wpsb-' . str_replace( '_', '-', $name ) ) ),
		empty( $action['confirm'] ) ? '' : ' data-wpsb-confirm="' . esc_attr( $action['confirm'] ) . '"',
		esc_url( $action['url'] ),
		esc_html( $label )
	);
}

function wpsb_review_buttons( WP_Post $post, array $state ): void {
	$actions = wpsb_review_actions( $post );
	$links   = array();
	foreach ( $actions as $name => $action ) {
		$links[] = wpsb_review_action_link( $name, $action, empty( $action['primary'] ) ? 'button' : 'button button-primary', $action['label'] );
	}
	if ( $links ) {
		echo '<p class="wpsb-actions">' . implode( ' ', $links ) . '</p>';  // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in wpsb_review_action_link()
	}
	wpsb_review_help( $post, $state, $actions );
}

/** What the buttons do, under them. */
function wpsb_review_help( WP_Post $post, array $state, array $actions ): void {
	$tag_mode = 'tag' === wpsb_option( WPSB_OPTION_OPT_IN );
	$tag      = wpsb_option( WPSB_OPTION_OPT_IN_TAG );
	if ( wpsb_review_is_open( $post, $state ) ) {
		if ( ! isset( $actions['approve'] ) ) {
			echo '<p class="description">' . esc_html__( 'Only a user allowed to publish this post can approve it.', 'wp-seo-bridge' ) . '</p>';
		}
		echo '<p class="description">' . esc_html__( 'Approve publishes the post now, or schedules it if it has a future date.', 'wp-seo-bridge' ) . ' ';
		if ( $tag_mode ) {
			/* translators: %s: tag slug */
			echo esc_html( sprintf( __( 'Reject brings back the text and the SEO fields from before the rewrite, as a draft, and removes the tag “%s”: SEO Bridge then leaves the post alone. To ask for a new rewrite, add the tag again.', 'wp-seo-bridge' ), $tag ) );
		} else {
			echo esc_html__( 'Reject brings back the text and the SEO fields from before the rewrite, as a draft: SEO Bridge then leaves the post alone until someone clicks “Rewrite again” (here or in the Posts list).', 'wp-seo-bridge' );
		}
		echo '</p>';
	} elseif ( isset( $actions['rewrite_again'] ) ) {
		printf(
			'<p class="description">%s</p>',
			esc_html(
				$tag_mode
					/* translators: %s: tag slug */
					? sprintf( __( 'SEO Bridge leaves this draft alone. “Rewrite again” (or adding the tag “%s” back) asks for a new rewrite at the next pass.', 'wp-seo-bridge' ), $tag )
					: __( 'SEO Bridge leaves this draft alone. “Rewrite again” asks for a new rewrite at the next pass.', 'wp-seo-bridge' )
			)
		);
	}
}

// --- the Posts list ------------------------------------------------------------------------------------


function wpsb_review_listing(): bool {
	global $pagenow;
	return is_admin() && 'edit.php' === $pagenow && ! empty( $_GET[ WPSB_REVIEW_VIEW ] );  // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a list filter, like core's post_status=
}

function wpsb_review_view( array $views ): array {
	$count   = ( new WP_Query(
		array(
			'post_type'      => 'post',
			'post_status'    => 'pending',
			'meta_query'     => wpsb_review_meta_query(),  // phpcs:ignore WordPress.DB.SlowDBQuery -- one indexed key
			'fields'         => 'ids',
			'posts_per_page' => 1,
		)
	) )->found_posts;
	$current = wpsb_review_listing();
	if ( $current ) {
		// Our view is a subset of "Pending": only one tab is the current one.
		$views = str_replace( array( ' class="current"', ' aria-current="page"' ), '', $views );
	}
	$views[ WPSB_REVIEW_VIEW ] = sprintf(
		'<a href="%s"%s>%s <span class="count">(%s)</span></a>',
		esc_url(
			add_query_arg(
				array(
					'post_status'    => 'pending',
					WPSB_REVIEW_VIEW => 1,
				),
				admin_url( 'edit.php' )
			)
		),
		$current ? ' class="current" aria-current="page"' : '',
		esc_html__( 'Awaiting SEO review', 'wp-seo-bridge' ),
		number_format_i18n( $count )
	);
	return $views;
}

function wpsb_review_filter_list( WP_Query $query ): void {
	if ( wpsb_review_listing() && $query->is_main_query() ) {
		$query->set( 'post_status', 'pending' );
		$query->set( 'meta_query', wpsb_review_meta_query() );
	}
}

function wpsb_review_row_actions( array $actions, WP_Post $post ): array {
	foreach ( wpsb_review_actions( $post ) as $name => $action ) {
		$actions[ "wpsb_$name" ] = wpsb_review_action_link( $name, $action, '', $action['short'] );
	}
	return $actions;
}

function wpsb_review_post_states( array $states, WP_Post $post ): array {
	$state = 'post' === $post->post_type ? wpsb_review_state( $post->ID ) : null;
	if ( wpsb_review_is_open( $post, $state ) ) {
		$states['wpsb_review'] = __( 'SEO review', 'wp-seo-bridge' );
	} elseif ( $state && WPSB_STATE_REJECTED === $state['state'] && 'draft' === $post->post_status ) {
		$states['wpsb_review'] = __( 'SEO rewrite rejected', 'wp-seo-bridge' );
	}
	return $states;
}
