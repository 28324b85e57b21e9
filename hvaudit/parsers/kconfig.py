"""The kernel's build configuration: /proc/config.gz (CONFIG_IKCONFIG_PROC) or
/boot/config-RELEASE, "CONFIG_X=y|m|value" and "# CONFIG_X is not set" lines."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Optional

#: A configuration is some 10 000 lines, about 300 KB; never inflate beyond this.
MAX_TEXT = 4 << 20

_SET = re.compile(r"^CONFIG_([A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set$")


def config_text(data: bytes) -> Optional[str]:
    """The text of a configuration, inflating gzip (bounded); None if it is neither."""
    if data[:2] == b"\x1f\x8b":
        import zlib

        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = inflater.decompress(data, MAX_TEXT)
        except zlib.error:
            return None
    text = data.decode("utf-8", "replace")
    return text if "CONFIG_" in text else None


#: Both kinds of line, found in the whole text at once (a configuration has thousands).
_LINES = re.compile(r"^[ \t]*(?:CONFIG_([A-Za-z0-9_]+)=(.*)|# CONFIG_([A-Za-z0-9_]+) is not set[ \t]*)$", re.M)
#: What str.strip() and str.splitlines() treat as white space or a line break in ASCII,
#: besides the space, the tab and "\n": a text without them splits and strips as _LINES reads it.
_OTHER_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def parse_kconfig(text: str) -> Dict[str, str]:
    """{"KVM": "y", "KVM_INTEL": "m", "VFIO": "n", "NR_CPUS": "64"}: "n" for "is not set"."""
    out: Dict[str, str] = {}
    if text.isascii() and not any(c in text for c in _OTHER_BREAKS):  # every real configuration
        for name, value, unset in _LINES.findall(text):
            if name:
                out[name] = value.rstrip(" \t").strip('"')
            else:
                out[unset] = "n"
        return out
    for line in text.splitlines():
        line = line.strip()
        match = _SET.match(line)
        if match:
            out[match.group(1)] = match.group(2).strip('"')
            continue
        match = _UNSET.match(line)
        if match:
            out[match.group(1)] = "n"
    return out
