<?php
/**
 * The names the plugin shares with the database and the daemon, each spelled once: options, post meta keys and
 * the states of the bookkeeping (the daemon's BridgeState.state, wp_seo_bridge/model.py).
 */

defined( 'ABSPATH' ) || exit;

// Options (Settings → SEO Bridge; defaults in options.php, removed by uninstall.php).
const WPSB_OPTION_SYNC_ENABLED   = 'wp_seo_bridge_sync_enabled';    // the admin's switch: the daemon does nothing until on
const WPSB_OPTION_OPT_IN         = 'wp_seo_bridge_opt_in';          // tag, or all-drafts
const WPSB_OPTION_OPT_IN_TAG     = 'wp_seo_bridge_opt_in_tag';      // tag slug marking drafts to rewrite
const WPSB_OPTION_NOTIFY         = 'wp_seo_bridge_notify';          // comma separated e-mails; empty = editors and admins
const WPSB_OPTION_NOTIFY_ENABLED = 'wp_seo_bridge_notify_enabled';  // review e-mails on ('1') or off ('0')
const WPSB_OPTION_ROLE_VERSION   = 'wp_seo_bridge_role_version';    // the robot role's capabilities, as last set
const WPSB_REFRESH_OPTION        = 'wp_seo_bridge_refresh_enabled'; // refresh of published posts: off by default
const WPSB_REFRESH_AGE_OPTION    = 'wp_seo_bridge_refresh_age_days'; // also pick posts not modified for N days; 0 = off
const WPSB_REFRESH_PICK_OPTION   = 'wp_seo_bridge_refresh_pick_max'; // at most M of those per pass
const WPSB_REFRESH_ORDER_OPTION  = 'wp_seo_bridge_refresh_order';    // oldest, or weakest (Yoast SEO score) first

// Our post meta (protected: "_" first).
const WPSB_STATE_KEY           = '_wp_seo_bridge_state';        // JSON: the daemon's bookkeeping (claim, result, failure)
const WPSB_PREVIOUS_KEY        = '_wp_seo_bridge_previous';     // JSON: Yoast values before our rewrite (for Reject)
const WPSB_ORIGINAL_KEY        = '_wp_seo_bridge_original';     // JSON: the pre-rewrite text, only where revisions are off
const WPSB_PREVIOUS_SCORES_KEY = '_wp_seo_bridge_previous_scores';  // JSON: Yoast's scores before our rewrite (for Reject)
const WPSB_NOTIFY_DUE_KEY      = '_wp_seo_bridge_review_mail';  // '1' on a post rewritten and not yet mailed
// A refresh of a published post (includes/refresh.php).
const WPSB_REFRESH_KEY       = '_wp_seo_bridge_refresh';
const WPSB_REFRESH_ASKED_KEY = '_wp_seo_bridge_refresh_asked';
const WPSB_REFRESH_BEFORE    = '_wp_seo_bridge_refresh_before';
const WPSB_REFRESH_DONE_KEY  = '_wp_seo_bridge_refresh_done';  // GMT time this live version's refresh was settled

// Yoast SEO's post meta: the fields the daemon writes, and the scores its Posts list shows.
const WPSB_YOAST_TITLE_KEY    = '_yoast_wpseo_title';
const WPSB_YOAST_METADESC_KEY = '_yoast_wpseo_metadesc';
const WPSB_YOAST_FOCUSKW_KEY  = '_yoast_wpseo_focuskw';
const WPSB_YOAST_KEYS         = array( WPSB_YOAST_TITLE_KEY, WPSB_YOAST_METADESC_KEY, WPSB_YOAST_FOCUSKW_KEY );
const WPSB_YOAST_SEO_SCORE_KEY = '_yoast_wpseo_linkdex';  // 0-100, set by Yoast's editor analysis
const WPSB_SCORE_KEYS         = array( WPSB_YOAST_SEO_SCORE_KEY, '_yoast_wpseo_content_score' );

// The states of the bookkeeping: who writes which is in includes/claims.php (daemon) and review-operations.php.
const WPSB_STATE_CLAIMED   = 'claimed';    // a daemon is rewriting the draft (until claim_until)
const WPSB_STATE_REWRITTEN = 'rewritten';  // the guarded write stored the rewrite: waiting for review
const WPSB_STATE_APPROVED  = 'approved';   // published or scheduled by an editor
const WPSB_STATE_REJECTED  = 'rejected';   // an editor put the previous version back
const WPSB_STATE_FAILED    = 'failed';     // the daemon gave up on this version (reason in the state)
const WPSB_STATE_RELEASED  = 'released';   // the daemon let the claim go without writing
