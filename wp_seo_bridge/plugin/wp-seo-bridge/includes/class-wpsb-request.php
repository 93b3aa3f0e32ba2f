<?php
/**
 * What this request holds and may do, kept for this request only (in the class, not in globals that any code
 * could set):
 *   - the per-post MySQL named locks it holds (wpsb_lock_post), some of them only for one save
 *     (wpsb_lock_before_save);
 *   - the posts whose guarded write passed (wpsb_guard_write): their post and meta writes go through the gates;
 *   - whether the plugin itself is writing its own keys right now (past the gates of meta.php and robot.php);
 *   - the live post a refresh proposal is being saved for (robot.php lets that one save through);
 *   - whether the XML-RPC method being served only reads (meta.php).
 */

defined( 'ABSPATH' ) || exit;

/** Static: one request, one state; PHP forgets it at the end, MySQL releases the locks at shutdown. */
final class WPSB_Request {
	/**
	 * Lock name => held until the end of the request (or of one save).
	 *
	 * @var array<string, true>
	 */
	private static array $locks = array();

	/**
	 * Post id => its lock is held for that one save only.
	 *
	 * @var array<int, true>
	 */
	private static array $save_locks = array();

	/**
	 * Post id => the guard accepted this request's write of it.
	 *
	 * @var array<int, true>
	 */
	private static array $guarded = array();

	private static bool $trusted = false;

	private static int $proposal_for = 0;

	private static bool $xmlrpc_reading = false;

	/**
	 * Post id => {expect: the daemon's fingerprint, result: null while its write's transaction is open}.
	 *
	 * @var array<int, array{expect: string, result: ?array}>
	 */
	private static array $stored_checks = array();

	public static function holds_lock( string $name ): bool {
		return isset( self::$locks[ $name ] );
	}

	public static function hold_lock( string $name ): void {
		self::$locks[ $name ] = true;
	}

	/** @return string[] the names of the locks held */
	public static function locks(): array {
		return array_keys( self::$locks );
	}

	public static function forget_locks(): void {
		self::$locks      = array();
		self::$save_locks = array();
	}

	/** The post's lock, just taken, is for one save: wpsb_unlock_after_save() gives it back. */
	public static function hold_for_save( int $post_id ): void {
		self::$save_locks[ $post_id ] = true;
	}

	/** Forgets the post's save-only lock (named $name); false when this request held none for that post. */
	public static function release_save_lock( int $post_id, string $name ): bool {
		if ( empty( self::$save_locks[ $post_id ] ) ) {
			return false;
		}
		unset( self::$save_locks[ $post_id ], self::$locks[ $name ] );
		return true;
	}

	public static function guard( int $post_id ): void {
		self::$guarded[ $post_id ] = true;
	}

	public static function is_guarded( int $post_id ): bool {
		return ! empty( self::$guarded[ $post_id ] );
	}

	/** The guarded write of the post was undone (rolled back): nothing more of it is written. */
	public static function unguard( int $post_id ): void {
		unset( self::$guarded[ $post_id ] );
	}

	/** Starts checking what the post's write stores; false when this request already does. */
	public static function begin_stored_check( int $post_id, string $expect ): bool {
		if ( isset( self::$stored_checks[ $post_id ] ) ) {
			return false;
		}
		self::$stored_checks[ $post_id ] = array(
			'expect' => $expect,
			'result' => null,
		);
		return true;
	}

	/** @return array{expect: string, result: ?array}|null the post's check in this request */
	public static function stored_check( int $post_id ): ?array {
		return self::$stored_checks[ $post_id ] ?? null;
	}

	public static function end_stored_check( int $post_id, array $result ): void {
		self::$stored_checks[ $post_id ]['result'] = $result;
	}

	/** @return int[] the posts whose checked write's transaction is still open */
	public static function open_stored_checks(): array {
		return array_keys( array_filter( self::$stored_checks, static fn( $check ) => null === $check['result'] ) );
	}

	/**
	 * Runs $write as the plugin's own write of its keys.
	 *
	 * @return mixed what $write returns
	 */
	public static function trusted( callable $write ) {
		self::$trusted = true;
		try {
			return $write();
		} finally {
			self::$trusted = false;
		}
	}

	public static function is_trusted(): bool {
		return self::$trusted;
	}

	/**
	 * Runs $write, the save of a refresh proposal for the live post $post_id.
	 *
	 * @return mixed what $write returns
	 */
	public static function for_proposal( int $post_id, callable $write ) {
		self::$proposal_for = $post_id;
		try {
			return $write();
		} finally {
			self::$proposal_for = 0;
		}
	}

	/** The live post whose proposal is being saved, 0 when none. */
	public static function proposal_for(): int {
		return self::$proposal_for;
	}

	public static function set_xmlrpc_reading( bool $reading ): void {
		self::$xmlrpc_reading = $reading;
	}

	public static function is_xmlrpc_reading(): bool {
		return self::$xmlrpc_reading;
	}
}
