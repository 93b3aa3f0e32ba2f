<?php
/**
 * The site's published posts, as link candidates for the daemon's internal links (both transports).
 *
 *   seobridge.listPublished(blog_id, user, pass, {page, per_page, modified_since}) → struct below
 *   GET /wp-json/wp-seo-bridge/v1/published?page=N&per_page=M&modified_since=ISO  → same struct
 *
 * The struct: {posts: [{id, title, link, keyphrase, categories, tags, date_gmt, modified_gmt}], total, pages,
 * removed: [ids]}. Only what a visitor sees of a published post, plus its focus keyphrase (the caller may edit
 * posts, so may read it in the editor anyway). Password-protected posts are left out: a link to them helps no
 * reader. With modified_since (post_modified_gmt, UTC), only the posts changed since then, and in `removed`
 * the posts changed since then that are no longer published, so a cached list can be brought up to date with
 * one request.
 *
 * @package wp-seo-bridge
 */

defined( 'ABSPATH' ) || exit;

const WPSB_PUBLISHED_MAX_PER_PAGE = 500;

/** Every hook of this file; called once from wp-seo-bridge.php. */
function wpsb_links_hooks(): void {
	add_filter( 'xmlrpc_methods', 'wpsb_links_xmlrpc_methods' );
	add_action( 'rest_api_init', 'wpsb_links_rest_register' );
}

/**
 * Adds seobridge.listPublished to the XML-RPC server.
 *
 * @param array $methods Method name => callback.
 * @return array
 */
function wpsb_links_xmlrpc_methods( array $methods ): array {
	$methods['seobridge.listPublished'] = 'wpsb_xmlrpc_list_published';
	return $methods;
}

/**
 * The published posts over XML-RPC.
 *
 * @param array $args blog_id, user, password, query struct.
 * @return array|IXR_Error
 */
function wpsb_xmlrpc_list_published( $args ) {
	global $wp_xmlrpc_server;
	$args = (array) $args;
	if ( ! wpsb_xmlrpc_login( $wp_xmlrpc_server, 'seobridge.listPublished', $args, 3 ) ) {
		return $wp_xmlrpc_server->error;
	}
	if ( ! current_user_can( 'edit_posts' ) ) {
		return new IXR_Error( 401, __( 'Sorry, you are not allowed to edit posts.', 'wp-seo-bridge' ) );
	}
	$query  = isset( $args[3] ) && is_array( $args[3] ) ? $args[3] : array();
	$result = wpsb_published_posts(
		(int) ( $query['page'] ?? 1 ),
		(int) ( $query['per_page'] ?? WPSB_PUBLISHED_MAX_PER_PAGE ),
		(string) ( $query['modified_since'] ?? '' )
	);
	return is_wp_error( $result ) ? wpsb_ixr_error( $result ) : $result;
}

/** Registers GET /wp-seo-bridge/v1/published. */
function wpsb_links_rest_register(): void {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/published',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_rest_published',
			'permission_callback' => 'wpsb_rest_can_edit_posts',
			'args'                => array(
				'page'           => array(
					'type'    => 'integer',
					'default' => 1,
					'minimum' => 1,
				),
				'per_page'       => array(
					'type'    => 'integer',
					'default' => WPSB_PUBLISHED_MAX_PER_PAGE,
					'minimum' => 1,
					'maximum' => WPSB_PUBLISHED_MAX_PER_PAGE,
				),
				'modified_since' => array(
					'type'    => 'string',
					'default' => '',
				),
			),
		)
	);
}

/**
 * The published posts over REST.
 *
 * @param WP_REST_Request $request The request.
 * @return WP_REST_Response|WP_Error
 */
function wpsb_rest_published( WP_REST_Request $request ) {
	$result = wpsb_published_posts( (int) $request['page'], (int) $request['per_page'], (string) $request['modified_since'] );
	return is_wp_error( $result ) ? $result : rest_ensure_response( $result );
}

/**
 * One page of published posts (oldest id first), and the ids unpublished since $modified_since.
 *
 * @param int    $page           1-based page.
 * @param int    $per_page       At most WPSB_PUBLISHED_MAX_PER_PAGE.
 * @param string $modified_since ISO 8601 UTC date, or '' for every published post.
 * @return array|WP_Error
 */
function wpsb_published_posts( int $page, int $per_page, string $modified_since ) {
	$page     = max( 1, $page );
	$per_page = min( WPSB_PUBLISHED_MAX_PER_PAGE, max( 1, $per_page ) );
	$since    = '';
	if ( '' !== $modified_since ) {
		$since_ts = wpsb_parse_utc( $modified_since );
		if ( ! $since_ts ) {
			return wpsb_error( 400, 'wpsb_bad_date', 'modified_since must be an ISO 8601 date (UTC).' );
		}
		$since = gmdate( 'Y-m-d H:i:s', $since_ts );
	}
	$changed = '' === $since ? array() : array(
		array(
			'column'    => 'post_modified_gmt',
			'after'     => $since,
			'inclusive' => true,  // a post saved in the same second as the last one seen is seen again
		),
	);
	$query   = new WP_Query(
		array(
			'post_type'      => 'post',
			'post_status'    => 'publish',
			'has_password'   => false,
			'orderby'        => 'ID',
			'order'          => 'ASC',
			'posts_per_page' => $per_page,
			'paged'          => $page,
			'date_query'     => $changed,
		)
	);
	$rows    = array();
	foreach ( $query->posts as $post ) {
		$rows[] = wpsb_published_row( $post );
	}
	$removed = array();
	if ( '' !== $since && 1 === $page ) {
		$removed = get_posts(
			array(
				'post_type'      => 'post',
				'post_status'    => 'any',
				'fields'         => 'ids',
				'posts_per_page' => -1,
				'date_query'     => $changed,
				'post__not_in'   => wp_list_pluck( $rows, 'id' ),
			)
		);
		// A post that turned private, draft or password-protected in that time: the daemon drops it.
		$removed = array_values(
			array_filter(
				array_map( 'intval', $removed ),
				static function ( $id ) {
					$post = get_post( $id );
					return $post && ( 'publish' !== $post->post_status || '' !== $post->post_password );
				}
			)
		);
	}
	return array(
		'posts'   => $rows,
		'total'   => (int) $query->found_posts,
		'pages'   => max( 1, (int) $query->max_num_pages ),
		'removed' => $removed,
	);
}

/**
 * One post as a link candidate: what its public page shows, plus the focus keyphrase.
 *
 * @param WP_Post $post A published post.
 * @return array
 */
function wpsb_published_row( WP_Post $post ): array {
	return array(
		'id'           => (int) $post->ID,
		'title'        => html_entity_decode( $post->post_title, ENT_QUOTES | ENT_HTML5, 'UTF-8' ),
		'link'         => (string) get_permalink( $post ),
		'keyphrase'    => (string) get_post_meta( $post->ID, WPSB_YOAST_FOCUSKW_KEY, true ),
		'categories'   => wpsb_term_names( $post->ID, 'category' ),
		'tags'         => wpsb_term_names( $post->ID, 'post_tag' ),
		'date_gmt'     => mysql_to_rfc3339( $post->post_date_gmt ),
		'modified_gmt' => mysql_to_rfc3339( $post->post_modified_gmt ),
	);
}

/**
 * Term names of a post (from the cache WP_Query primed), decoded.
 *
 * @param int    $post_id  Post id.
 * @param string $taxonomy Taxonomy.
 * @return string[]
 */
function wpsb_term_names( int $post_id, string $taxonomy ): array {
	$terms = get_the_terms( $post_id, $taxonomy );
	if ( ! is_array( $terms ) ) {
		return array();
	}
	return array_values(
		array_map(
			static function ( $term ) {
				return html_entity_decode( $term->name, ENT_QUOTES | ENT_HTML5, 'UTF-8' );
			},
			$terms
		)
	);
}

/**
 * The internal links the daemon added (its state's `links`), for the review panel: anchor and target, so an
 * editor sees each one and can remove it in the editor before approving.
 *
 * @param array $state The daemon's state of the post.
 */
function wpsb_review_links( array $state ): void {
	$links = array_values( array_filter( (array) ( $state['links'] ?? array() ), 'is_array' ) );
	if ( ! $links ) {
		return;
	}
	$items = '';
	foreach ( $links as $link ) {
		$items .= sprintf(
			'<li>« %s » → <a href="%s" target="_blank" rel="noopener">%s</a></li>',
			esc_html( (string) ( $link['anchor'] ?? '' ) ),
			esc_url( (string) ( $link['url'] ?? '' ) ),
			esc_html( (string) ( $link['title'] ?? ( $link['url'] ?? '' ) ) )
		);
	}
	printf(
		'<div class="wpsb-links"><p><strong>%s</strong></p><ul>%s</ul><p class="description">%s</p></div>',
		esc_html(
			/* translators: %d: number of internal links */
			sprintf( _n( '%d internal link added', '%d internal links added', count( $links ), 'wp-seo-bridge' ), count( $links ) )
		),
		wp_kses(
			$items,
			array(
				'li' => array(),
				'a'  => array(
					'href'   => true,
					'target' => true,
					'rel'    => true,
				),
			)
		),
		esc_html__( 'Remove one in the editor before approving if it does not fit.', 'wp-seo-bridge' )
	);
}
