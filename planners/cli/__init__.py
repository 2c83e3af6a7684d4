"""`conclave`, the administrator's command line: main.py registers one module per area explicitly."""
from planners.cli.main import main  # noqa: F401
