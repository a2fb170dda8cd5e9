"""Draws the app's home-screen icons (a white "U" on the app's blue) as PNG files,
with zlib alone; run once, the files are committed:

    .venv/bin/python -m app.web.volunteer_app.make_icons
"""

import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static" / "app"
BLUE = (11, 95, 179)
WHITE = (255, 255, 255)


def in_u(x: float, y: float) -> bool:
    """Is the point (0..1 square) on the letter: two bars and a round bottom."""
    left, right, top, stroke = 0.28, 0.72, 0.22, 0.12
    centre_x, bottom_y = 0.5, 0.56
    radius = (right - left) / 2
    if y < top:
        return False
    if y <= bottom_y:
        return left <= x <= left + stroke or right - stroke <= x <= right
    distance = ((x - centre_x) ** 2 + (y - bottom_y) ** 2) ** 0.5
    return radius - stroke <= distance <= radius


def png(size: int) -> bytes:
    rows = []
    for j in range(size):
        row = bytearray([0])  # filter: none
        for i in range(size):
            row.extend(WHITE if in_u((i + 0.5) / size, (j + 0.5) / size) else BLUE)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    for size in (192, 512):
        (STATIC / f"icon-{size}.png").write_bytes(png(size))
