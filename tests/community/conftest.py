"""The forum spaces and a peer, for the tests here that need forum content."""

from tests.forums.conftest import night_thread, peer, spaces  # noqa: F401
