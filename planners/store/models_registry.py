"""Imports every models module so that Base.metadata knows all tables (areas add `models_<area>.py`)."""
from __future__ import annotations

import importlib
import pkgutil

import planners.store as _pkg
from planners.store import models  # noqa: F401

for _m in pkgutil.iter_modules(_pkg.__path__):
    if _m.name.startswith("models_") and _m.name != "models_registry":
        importlib.import_module(f"planners.store.{_m.name}")
