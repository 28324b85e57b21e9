"""What the FreeBSD, Windows and macOS checks say alike (no checks here)."""

from __future__ import annotations

FIRMWARE_REMEDY = ("enable Intel VT-x (Virtualization Technology) or AMD-V (SVM) in the firmware setup, "
                   "then power the machine off and on")
NESTED_REMEDY = "enable nested virtualization for this VM on its host"
