<?php
/** REST parity: see below. */

defined( 'ABSPATH' ) || exit;
