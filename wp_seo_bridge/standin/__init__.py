"""OFFLINE STAND-IN for Mistral (tests and the offline demo): hand-written fixtures, never a model."""
from .chat import LABEL
from .server import LABEL_HEADER, StandinHandle, load_fixtures, serve, start_in_thread

__all__ = ["LABEL", "LABEL_HEADER", "StandinHandle", "load_fixtures", "serve", "start_in_thread"]
