"""HTTP route handlers."""
