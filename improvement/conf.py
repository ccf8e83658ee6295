"""The improvement plugin's one namespaced setting, ``settings.IMPROVEMENT``.

A host overrides only the keys it needs:

    IMPROVEMENT = {"BASELINE_POINTS": 10, "IMPORT_MAX_BYTES": 2_000_000}
"""

from typing import Any

from community.conf import read_setting

DEFAULTS: dict[str, Any] = {
    # How many leading months form a run chart's baseline median when nothing else
    # says so (Perla et al. suggest 10 to 12 or more).
    "BASELINE_POINTS": 12,
    # The longest history a facility run chart shows, in months.
    "CHART_MONTHS": 36,
    # Change ideas per page in the registry.
    "REGISTRY_PER_PAGE": 20,
    # Largest CSV accepted by the web import, in bytes.
    "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    # Rows validated (and written) between two progress updates.
    "IMPORT_CHUNK_ROWS": 200,
    # Rows shown in a dry-run preview, and row errors kept per import.
    "IMPORT_PREVIEW_ROWS": 50,
    "IMPORT_MAX_ERRORS": 500,
    # Seconds between two automatic reloads of an import's status page.
    "IMPORT_REFRESH_SECONDS": 2,
    # Results in the site search's improvement group.
    "SEARCH_RESULTS": 8,
}


def setting(name: str) -> Any:
    return read_setting("IMPROVEMENT", DEFAULTS, name)
