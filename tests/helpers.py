"""Small helpers for the tests."""
from __future__ import annotations

import shutil
import subprocess


def pdf_text(data: bytes) -> str:
    """The text of a PDF as a reader gets it: poppler's pdftotext (installed by `make test`)."""
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext missing: `make test` installs Debian's poppler-utils"
    out = subprocess.run([exe, "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
