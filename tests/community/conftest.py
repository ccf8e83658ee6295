"""The forum spaces and a peer, for the tests here that need forum content."""

from tests.forums.conftest import peer, spaces  # noqa: F401
