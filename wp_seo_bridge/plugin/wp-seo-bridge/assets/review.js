/* SEO Bridge review: confirm before Reject (Posts list, classic and block editor); in the block editor, the review
 * panel in the document sidebar, and the review and the outcome of an action in the editor's own notice area (it
 * shows no classic admin notices). No build step: wp.element.createElement. Data: window.wpsbReview. */
( function () {
	'use strict';
	var settings = window.wpsbReview || {};

	function confirmReject() {
		return ! settings.confirmReject || window.confirm( settings.confirmReject );
	}

	document.addEventListener( 'click', function ( event ) {
		var link = event.target.closest && event.target.closest( 'a[data-wpsb-confirm="reject"]' );
		if ( link && ! confirmReject() ) {
			event.preventDefault();
		}
	} );

	if ( ! window.wp || ! wp.data || ! wp.domReady ) {
		return;  // Posts list and classic editor: the meta box and row actions are server-rendered
	}

	var PANEL = 'review';
	var PLUGIN = 'wp-seo-bridge';
	// wp.editor's since WordPress 6.6; wp.editPost's before (deprecated, and logging so, after).
	var DocumentPanel = ( wp.editor && wp.editor.PluginDocumentSettingPanel ) ||
		( wp.editPost && wp.editPost.PluginDocumentSettingPanel );

	if ( settings.panel && DocumentPanel && wp.plugins && wp.element ) {
		var el = wp.element.createElement;
		wp.plugins.registerPlugin( PLUGIN, {
			icon: 'search',
			render: function () {
				// The server renders the panel's content (the classic meta box's, escaped there), so both
				// editors show the same facts, report and actions.
				return el(
					DocumentPanel,
					{ name: PANEL, title: settings.panel.title, className: 'wpsb-review-panel' },
					el( wp.element.RawHTML, { id: 'wpsb-review' }, settings.panel.html )
				);
			},
		} );
	}

	wp.domReady( function () {
		if ( settings.panel && settings.panel.open ) {
			// A post waiting for review opens with its panel open (the editor remembers panels per user).
			var store = wp.data.select( 'core/editor' ).isEditorPanelOpened ? 'core/editor' : 'core/edit-post';
			var name = PLUGIN + '/' + PANEL;
			if ( ! wp.data.select( store ).isEditorPanelOpened( name ) ) {
				wp.data.dispatch( store ).toggleEditorPanelOpened( name );
			}
		}
		if ( ! ( settings.done || settings.review ) ) {
			return;
		}
		var notices = wp.data.dispatch( 'core/notices' );
		if ( settings.done ) {
			notices.createNotice( 'success', settings.done, { id: 'wpsb-review-done', isDismissible: true } );
			return;
		}
		// The server's list of the user's actions (wpsb_review_actions), as in the panel.
		var actions = ( settings.actions || [] ).map( function ( action ) {
			var button = { label: action.label, className: 'wpsb-notice-' + action.name };
			if ( action.primary ) {
				button.variant = 'primary';
			}
			if ( action.confirm ) {
				button.onClick = function () {
					if ( confirmReject() ) {
						window.location.href = action.url;
					}
				};
			} else {
				button.url = action.url;
			}
			return button;
		} );
		notices.createNotice( 'info', settings.review, { id: 'wpsb-review', isDismissible: true, actions: actions } );
	} );
} )();
