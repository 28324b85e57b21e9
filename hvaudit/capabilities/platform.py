"""What the FreeBSD, Windows and macOS checks say alike (no checks here)."""

from __future__ import annotations

FIRMWARE_REMEDY = "remedy.enable-in-firmware"
NESTED_REMEDY = "remedy.nested-on-host"
