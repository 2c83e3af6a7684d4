"""Badge codes read from a camera photo (zxing-cpp)."""
from __future__ import annotations

import io



# ---- camera ---------------------------------------------------------------------------------------------

def decode_image(data: bytes) -> list[str]:
    """The QR/barcode texts in a photo (zxing-cpp). An unreadable image gives an empty list, never an error."""
    try:
        import zxingcpp
        from PIL import Image

        img = Image.open(io.BytesIO(data))
        img.load()
        if img.mode not in ("L", "RGB"):
            img = img.convert("RGB")
        results = zxingcpp.read_barcodes(img)
        return [r.text for r in results if r.text]
    except Exception:  # any bad image: nothing decoded
        return []
