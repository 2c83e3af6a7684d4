"""Conclave's domain core. Never imports streamlit (tests/unit/test_layering.py enforces it)."""
