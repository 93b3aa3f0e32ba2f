<?php
/**
 * The fingerprint of markup as WordPress stored it: a line-by-line port of the daemon's
 * wp_seo_bridge/markup/stored.py (keep the two in step; tests/unit/test_stored_contract.py runs both on a
 * corpus). Equal for markup kses only re-serialised (quoting, `/>`, entity forms, a URL scheme's case),
 * different for markup it cut (a tag, an attribute, a CSS property, a URL protocol). Plain PHP: no WordPress
 * function, so the contract test can run it with the php command alone.
 */

defined( 'ABSPATH' ) || exit;

const WPSB_FP_TOKEN     = '~\G(?:<!--(?P<comment>.*?)(?:-->|\z)|<(?P<end>/)?(?P<tag>[a-zA-Z][a-zA-Z0-9:_-]*)(?P<attrs>(?:[^>"\']|"[^"]*"|\'[^\']*\')*)>|<[!?][^>]*>|(?P<text>[^<]+|<))~s';
const WPSB_FP_ATTRIBUTE = '~([^ \t\n\r\f/>="\'][^ \t\n\r\f/>=]*)(?:[ \t\n\r\f]*=[ \t\n\r\f]*("[^"]*"|\'[^\']*\'|[^ \t\n\r\f>]+))?~';
const WPSB_FP_ENTITY    = '~&(?:#0*([0-9]{1,7})|#[xX]0*([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));~';
const WPSB_FP_WINDOWS   = '~&#1(?:2[89]|[34][0-9]|5[0-9]);~';
const WPSB_FP_URI       = array( 'action', 'archive', 'background', 'cite', 'classid', 'codebase', 'data', 'formaction', 'href', 'icon', 'longdesc', 'manifest', 'poster', 'profile', 'src', 'usemap', 'xmlns' );
const WPSB_FP_1252      = array(
	128 => 8364,
	129 => 0,
	130 => 8218,
	131 => 402,
	132 => 8222,
	133 => 8230,
	134 => 8224,
	135 => 8225,
	136 => 710,
	137 => 8240,
	138 => 352,
	139 => 8249,
	140 => 338,
	141 => 0,
	142 => 381,
	143 => 0,
	144 => 0,
	145 => 8216,
	146 => 8217,
	147 => 8220,
	148 => 8221,
	149 => 8226,
	150 => 8211,
	151 => 8212,
	152 => 732,
	153 => 8482,
	154 => 353,
	155 => 8250,
	156 => 339,
	157 => 0,
	158 => 382,
	159 => 376,
);

/** HTML 4's entity names (kses keeps those, and apos) => the character. */
function wpsb_fp_entity_names(): array {
	static $names = null;
	if ( null === $names ) {
		$names = array( 'apos' => "'" );
		foreach ( get_html_translation_table( HTML_ENTITIES, ENT_QUOTES | ENT_HTML401, 'UTF-8' ) as $char => $entity ) {
			if ( preg_match( '/^&([A-Za-z][A-Za-z0-9]*);$/', $entity, $m ) ) {
				$names[ $m[1] ] = $char;
			}
		}
	}
	return $names;
}

function wpsb_fp_decode( string $text ): string {
	if ( false === strpos( $text, '&' ) ) {
		return $text;
	}
	$text = preg_replace_callback(
		WPSB_FP_WINDOWS,
		static function ( $m ) {
			$code = WPSB_FP_1252[ (int) substr( $m[0], 2, -1 ) ];
			return 0 === $code ? '' : '&#' . $code . ';';
		},
		$text
	);
	return preg_replace_callback(
		WPSB_FP_ENTITY,
		static function ( $m ) {
			if ( isset( $m[3] ) && '' !== $m[3] ) {
				$names = wpsb_fp_entity_names();
				return $names[ $m[3] ] ?? $m[0];
			}
			$code = '' !== $m[1] ? (int) $m[1] : (int) hexdec( $m[2] );
			if ( 0 === $code || $code > 0x10FFFF || ( $code >= 0xD800 && $code <= 0xDFFF ) ) {
				return $m[0];
			}
			return mb_chr( $code, 'UTF-8' );
		},
		$text
	);
}

function wpsb_fp_fold( string $text ): string {
	return trim( preg_replace( '~[ \t\n\r\f]+~', ' ', $text ), ' ' );
}

/** @return string|null the attribute's value as compared; null drops the attribute */
function wpsb_fp_value( string $name, ?string $raw ): ?string {
	if ( null === $raw ) {
		return '';
	}
	if ( strlen( $raw ) >= 2 && ( '"' === $raw[0] || "'" === $raw[0] ) && substr( $raw, -1 ) === $raw[0] ) {
		$raw = substr( $raw, 1, -1 );
	}
	$value = wpsb_fp_fold( wpsb_fp_decode( $raw ) );
	if ( in_array( $name, WPSB_FP_URI, true ) && false !== strpos( $value, ':' ) ) {
		list( $scheme, $rest ) = explode( ':', $value, 2 );
		$scheme                = preg_replace( '~[ \t\n\r\f]+~', '', $scheme );
		if ( preg_match( '~^[a-zA-Z][a-zA-Z0-9+.-]*$~', $scheme ) ) {
			$value = strtolower( $scheme ) . ':' . $rest;
		}
	} elseif ( 'style' === $name ) {
		$declarations = array();
		foreach ( explode( ';', $value ) as $item ) {
			if ( '' === trim( $item, ' ' ) ) {
				continue;
			}
			$parts          = explode( ':', $item, 2 );
			$declarations[] = trim( $parts[0], ' ' ) . ( isset( $parts[1] ) ? ':' . trim( $parts[1], ' ' ) : '' );
		}
		$value = implode( ';', $declarations );
	} elseif ( 'rel' === $name ) {
		$tokens = array();
		foreach ( explode( ' ', $value ) as $token ) {
			if ( '' !== $token && ! in_array( strtolower( $token ), array( 'noopener', 'noreferrer' ), true ) ) {
				$tokens[] = $token;
			}
		}
		if ( ! $tokens ) {
			return null;
		}
		$value = implode( ' ', $tokens );
	}
	return $value;
}

/** @return string[] what the markup is made of, in order, as compared */
function wpsb_fp_elements( string $html ): array {
	$out  = array();
	$text = '';
	$n    = strlen( $html );
	$pos  = 0;
	while ( $pos < $n ) {
		preg_match( WPSB_FP_TOKEN, $html, $m, PREG_UNMATCHED_AS_NULL, $pos );
		// \G: at $pos, where one of the alternatives always matches (the last one takes any character).
		$pos += strlen( $m[0] );
		if ( null !== $m['text'] ) {
			$text .= $m['text'];
			continue;
		}
		if ( '' !== $text ) {
			$folded = wpsb_fp_fold( wpsb_fp_decode( $text ) );
			if ( '' !== $folded ) {
				$out[] = 'T ' . $folded;
			}
			$text = '';
		}
		if ( null !== $m['comment'] ) {
			$out[] = 'C ' . wpsb_fp_fold( $m['comment'] );
		} elseif ( null !== $m['tag'] ) {
			$tag = strtolower( $m['tag'] );
			if ( null !== $m['end'] ) {
				$out[] = 'E ' . $tag;
				continue;
			}
			$attrs = array();
			preg_match_all( WPSB_FP_ATTRIBUTE, (string) $m['attrs'], $found, PREG_SET_ORDER );
			foreach ( $found as $a ) {
				$name  = strtolower( $a[1] );
				$value = wpsb_fp_value( $name, isset( $a[2] ) && '' !== $a[2] ? $a[2] : null );
				if ( null !== $value ) {
					$attrs[] = array( $name, $value );
				}
			}
			usort(
				$attrs,
				static function ( $x, $y ) {
					$by_name = strcmp( $x[0], $y[0] );
					return 0 !== $by_name ? $by_name : strcmp( $x[1], $y[1] );
				}
			);
			$element = 'S ' . $tag;
			foreach ( $attrs as $a ) {
				$element .= "\x1f" . $a[0] . '=' . $a[1];
			}
			$out[] = $element;
		}
	}
	if ( '' !== $text ) {
		$folded = wpsb_fp_fold( wpsb_fp_decode( $text ) );
		if ( '' !== $folded ) {
			$out[] = 'T ' . $folded;
		}
	}
	return $out;
}

function wpsb_fingerprint( string $html ): string {
	return hash( 'sha256', implode( "\x1e", wpsb_fp_elements( $html ) ) );
}
