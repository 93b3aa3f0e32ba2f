/* SEO Bridge review: confirm before Reject; in the block editor, announce the review and the outcome of an
 * action in the editor's own notice area (it shows no classic admin notices). Data: window.wpsbReview. */
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

	if ( ! ( settings.done || settings.review ) || ! ( window.wp && wp.data && wp.domReady ) ) {
		return;
	}
	wp.domReady( function () {
		var notices = wp.data.dispatch( 'core/notices' );
		if ( settings.done ) {
			notices.createNotice( 'success', settings.done, { id: 'wpsb-review-done', isDismissible: true } );
			return;
		}
		var actions = [];
		if ( settings.approve ) {
			actions.push( { label: settings.approve.label, url: settings.approve.url, variant: 'primary', className: 'wpsb-notice-approve' } );
		}
		actions.push( {
			label: settings.reject.label,
			className: 'wpsb-notice-reject',
			onClick: function () {
				if ( confirmReject() ) {
					window.location.href = settings.reject.url;
				}
			},
		} );
		notices.createNotice( 'info', settings.review, { id: 'wpsb-review', isDismissible: true, actions: actions } );
	} );
} )();
