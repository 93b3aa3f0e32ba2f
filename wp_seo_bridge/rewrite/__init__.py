"""Rewrite: the draft becomes a checked French SEO article via Mistral (with a bounded repair)."""
from .rewrite import RewriteResult, build_messages, describe_protected, estimate_cost, repair_message, rewrite

__all__ = ["RewriteResult", "build_messages", "describe_protected", "estimate_cost", "repair_message", "rewrite"]
