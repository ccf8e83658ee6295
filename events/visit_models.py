"""Exchange visits and their learning reports."""
