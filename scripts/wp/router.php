<?php
/**
 * Router for `php -S` serving a WordPress core (Debian's or an upstream tree) (LOCAL TEST SITE ONLY, see scripts/wordpress-local.sh).
 *
 * php -S alone cannot serve the site's content dir (it lives outside the docroot) nor
 * paths with a dot that are not files (/sitemap_index.xml), and it cannot pick a config per port. Every
 * variable here is prefixed: WordPress files are required from the global scope.
 */

$wpsb_core    = (string) getenv( 'WPSB_CORE' );
$wpsb_content = (string) getenv( 'WPSB_CONTENT' );  // the site's own content dir
$wpsb_site    = (string) getenv( 'WPSB_SITE_DIR' );

// Debian's wp-config.php (and the one the script writes into upstream trees) loads
// /etc/wordpress/config-$WORDPRESS_CONFIG.php: one site per port.
$_SERVER['WORDPRESS_CONFIG'] = (string) getenv( 'WPSB_CONFIG_NAME' );

$wpsb_path = rawurldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( str_contains( $wpsb_path, '..' ) || str_contains( $wpsb_path, "\0" ) ) {
	http_response_code( 400 );
	return true;
}

// `scripts/wordpress-local.sh xmlrpc off`: answer like hosts that block XML-RPC in the web server.
if ( '/xmlrpc.php' === $wpsb_path && is_file( "$wpsb_site/xmlrpc-off" ) ) {
	http_response_code( 405 );
	header( 'Allow: ' );
	header( 'Content-Type: text/plain; charset=utf-8' );
	echo "XML-RPC is disabled on this server.\n";
	return true;
}

// `scripts/wordpress-local.sh xmlrpc no-multicall`: like security plugins that refuse several logins in one
// request, system.multicall gets a fault (HTTP 200) while single calls work.
if ( '/xmlrpc.php' === $wpsb_path && is_file( "$wpsb_site/multicall-off" )
	&& str_contains( (string) file_get_contents( 'php://input' ), '<methodName>system.multicall</methodName>' ) ) {
	header( 'Content-Type: text/xml; charset=UTF-8' );
	echo '<?xml version="1.0"?><methodResponse><fault><value><struct>'
		. '<member><name>faultCode</name><value><int>403</int></value></member>'
		. '<member><name>faultString</name><value><string>Several logins in one request are blocked.</string></value></member>'
		. '</struct></value></fault></methodResponse>';
	return true;
}

// Static files of plugins, themes and uploads; never run PHP from there.
if ( str_starts_with( $wpsb_path, '/wp-content/' ) ) {
	$wpsb_file = $wpsb_content . substr( $wpsb_path, strlen( '/wp-content' ) );
	if ( ! is_file( $wpsb_file ) || preg_match( '/\.(php|phtml|phar)$/i', $wpsb_file ) ) {
		http_response_code( 404 );
		return true;
	}
	$wpsb_types = array(
		'css'   => 'text/css',
		'js'    => 'application/javascript',
		'json'  => 'application/json',
		'svg'   => 'image/svg+xml',
		'png'   => 'image/png',
		'jpg'   => 'image/jpeg',
		'jpeg'  => 'image/jpeg',
		'gif'   => 'image/gif',
		'webp'  => 'image/webp',
		'woff2' => 'font/woff2',
		'txt'   => 'text/plain; charset=utf-8',
	);
	$wpsb_ext = strtolower( pathinfo( $wpsb_file, PATHINFO_EXTENSION ) );
	header( 'Content-Type: ' . ( $wpsb_types[ $wpsb_ext ] ?? ( mime_content_type( $wpsb_file ) ?: 'application/octet-stream' ) ) );
	header( 'Content-Length: ' . filesize( $wpsb_file ) );
	readfile( $wpsb_file );
	return true;
}

$wpsb_file = $wpsb_core . $wpsb_path;
if ( is_dir( $wpsb_file ) ) {
	if ( ! str_ends_with( $wpsb_path, '/' ) ) {  // like Apache: relative links need the slash
		header( 'Location: ' . $wpsb_path . '/', true, 301 );
		return true;
	}
	$wpsb_file = rtrim( $wpsb_file, '/' ) . '/index.php';
}

// Static core files (wp-includes/js, wp-admin/css...): the built-in server sends them.
if ( is_file( $wpsb_file ) && ! str_ends_with( $wpsb_file, '.php' ) ) {
	return false;
}

// A PHP file, or the front controller for everything else (pretty permalinks, /wp-json/, sitemaps).
if ( ! is_file( $wpsb_file ) ) {
	$wpsb_file = "$wpsb_core/index.php";
}
$_SERVER['SCRIPT_FILENAME'] = $wpsb_file;
$_SERVER['SCRIPT_NAME']     = substr( $wpsb_file, strlen( $wpsb_core ) );
$_SERVER['PHP_SELF']        = $_SERVER['SCRIPT_NAME'];
chdir( dirname( $wpsb_file ) );
unset( $wpsb_core, $wpsb_content, $wpsb_site, $wpsb_path, $wpsb_types, $wpsb_ext );
require $wpsb_file;
