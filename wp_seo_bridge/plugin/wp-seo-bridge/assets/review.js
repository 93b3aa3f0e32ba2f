/* SEO Bridge review: confirm before Reject; in the block editor, repeat the outcome of an action in its notices. */
( function () {
	'use strict';
	var settings = window.wpsbReview || {};

	document.addEventListener( 'click', function ( event ) {
		var link = event.target.closest && event.target.closest( 'a[data-wpsb-confirm="reject"]' );
		if ( link && settings.confirmReject && ! window.confirm( settings.confirmReject ) ) {
			event.preventDefault();
		}
	} );

	// The block editor does not show classic admin notices.
	var done = window.wpsbReviewDone;
	if ( done && window.wp && wp.data && wp.domReady ) {
		wp.domReady( function () {
			wp.data.dispatch( 'core/notices' ).createNotice( 'success', done, { id: 'wpsb-review-done', isDismissible: true } );
		} );
	}
} )();
