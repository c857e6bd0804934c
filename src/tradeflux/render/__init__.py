"""Rendering: JSON (one encoder for the CLI and the API), terminal tables, HTML pages and charts."""
