"""The kernel's build configuration: /proc/config.gz (CONFIG_IKCONFIG_PROC) or
/boot/config-RELEASE, "CONFIG_X=y|m|value" and "# CONFIG_X is not set" lines."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Optional

#: A configuration is some 10 000 lines, about 300 KB; never inflate beyond this.
MAX_TEXT = 4 << 20

#: The characters of an option's name ([A-Za-z0-9_]).
_NAME = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"


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


def parse_kconfig(text: str) -> Dict[str, str]:
    """{"KVM": "y", "KVM_INTEL": "m", "VFIO": "n", "NR_CPUS": "64"}: "n" for "is not set".
    Lines are "CONFIG_NAME=VALUE" and "# CONFIG_NAME is not set" (surrounding white space
    ignored, a name of [A-Za-z0-9_]), read with string methods: a regular expression would
    cost an audit the import of re."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        if "CONFIG_" not in line:
            continue
        line = line.strip()
        if line.startswith("CONFIG_"):
            name, equals, value = line[7:].partition("=")
            if equals and name and not name.strip(_NAME):
                out[name] = value.strip('"')
        elif line.startswith("# CONFIG_") and line.endswith(" is not set") and len(line) > 20:
            name = line[9:-11]
            if not name.strip(_NAME):
                out[name] = "n"
    return out
