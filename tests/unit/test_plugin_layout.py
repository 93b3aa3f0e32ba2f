"""The companion plugin laid out by role (README, "The plugin's files"): every hook registered in one function per
file, all called from wp-seo-bridge.php; option, meta and state names spelled once, in includes/constants.php;
which review actions a user has decided in one function, which the views ask."""
from __future__ import annotations

import re

from wp_seo_bridge.plugin import SLUG, plugin_dir

PLUGIN = plugin_dir()
MAIN = PLUGIN / f"{SLUG}.php"
CONSTANTS = PLUGIN / "includes" / "constants.php"
HOOK_CALL = re.compile(r"\b(add_action|add_filter|register_activation_hook|register_deactivation_hook)\s*\(")


def php_files():
    return sorted(PLUGIN.rglob("*.php"))


def top_level_code(text: str) -> str:
    """What runs when the file is loaded: the text outside every function (WPCS indents function bodies)."""
    return "\n".join(line for line in text.splitlines() if line and not line[0].isspace() and line[0] not in "*/}")


def test_no_hook_is_registered_at_file_top_level():
    offenders = [f"{p.relative_to(PLUGIN)}: {line}" for p in php_files()
                 for line in top_level_code(p.read_text(encoding="utf-8")).splitlines() if HOOK_CALL.search(line)]
    assert offenders == []


def test_each_file_registers_its_hooks_in_one_function_called_from_the_main_file():
    main = MAIN.read_text(encoding="utf-8")
    body = re.search(r"function wpsb_hooks\(\): void \{\n(.*?)\n\}", main, re.S).group(1)
    called = re.findall(r"^\t+(wpsb_\w+_hooks)\(\);", body, re.M)
    for path in (PLUGIN / "includes").glob("*.php"):
        text = path.read_text(encoding="utf-8")
        functions = re.findall(r"^function (wpsb_\w+_hooks)\(", text, re.M)
        if HOOK_CALL.search(text):
            assert len(functions) == 1, f"{path.name}: hooks in {functions or 'no function'}"
            hooks = re.search(rf"function {functions[0]}\(\): void \{{\n(.*?)\n\}}", text, re.S).group(1)
            outside = text.replace(hooks, "")
            assert not HOOK_CALL.search(outside), f"{path.name} registers hooks outside {functions[0]}()"
        for name in functions:
            assert called.count(name) == 1, f"{name}() is not called once from wpsb_hooks()"
    assert len(called) >= 10  # the parser saw the real list, not nothing


def test_option_meta_and_state_names_are_spelled_once():
    names = dict(re.findall(r"^const (WPSB_\w+)\s*=\s*'([^']+)';", CONSTANTS.read_text(encoding="utf-8"), re.M))
    assert {"WPSB_STATE_KEY", "WPSB_OPTION_OPT_IN_TAG", "WPSB_STATE_REJECTED", "WPSB_YOAST_FOCUSKW_KEY"} <= set(names)
    repeated = [f"{p.relative_to(PLUGIN)}: '{value}'" for p in php_files() if p != CONSTANTS
                for value in names.values() if re.search(rf"'{re.escape(value)}'", p.read_text(encoding="utf-8"))]
    assert repeated == []


def test_the_views_show_the_actions_one_function_decides():
    views = (PLUGIN / "includes" / "review-views.php").read_text(encoding="utf-8")
    operations = (PLUGIN / "includes" / "review-operations.php").read_text(encoding="utf-8")
    assert "function wpsb_review_actions(" in operations
    # Rights and action names are the actions function's business, not the views'.
    assert "publish_post" not in views
    assert not re.search(r"wpsb_review_action_url\(\s*'", views)
    for view in ("wpsb_review_buttons", "wpsb_review_row_actions", "wpsb_review_block_editor_settings"):
        body = re.search(rf"function {view}\(.*?\n\}}\n", views, re.S).group(0)
        assert "wpsb_review_actions(" in body, view


def test_no_request_state_in_globals():
    """Locks held, guarded posts and the plugin's own writes live in WPSB_Request, not in globals."""
    found = [f"{p.relative_to(PLUGIN)}: {m.group(0)}" for p in php_files()
             for m in re.finditer(r"\$GLOBALS\[\s*'wpsb\w*'|global [^;]*\$wpsb\w*", p.read_text(encoding="utf-8"))]
    assert found == []
