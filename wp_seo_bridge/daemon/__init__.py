"""The daemon: scheduled passes over every configured site, within rate limits and budgets.

``scheduler`` runs the passes; ``limiter`` and ``budget`` bound the spending; ``joblog`` remembers
every attempt (SQLite); ``instance`` keeps one daemon per state dir; ``metrics``, ``logs`` and
``progress`` make it observable; ``commands`` holds the ``run`` and ``status`` CLI commands.
"""
