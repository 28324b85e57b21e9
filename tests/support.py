"""An in-memory Source for unit tests: probes are tested on dictionaries, never by patching open()."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from hvaudit.model import Listing, Read
from hvaudit.sources import DEFAULT_LIMIT, DeviceInfo, Source, StatInfo

Registers = Tuple[int, int, int, int]


class DictSource(Source):
    kind = "capture"

    def __init__(self, files: Optional[Mapping[str, Any]] = None, *, links: Optional[Mapping[str, str]] = None,
                 cpuid: Optional[Mapping[Tuple[int, int], Registers]] = None,
                 errors: Optional[Mapping[str, str]] = None, uname: Optional[Mapping[str, str]] = None,
                 devices: Optional[Mapping[str, Dict[str, Any]]] = None, commands: Optional[Mapping[str, str]] = None,
                 stats: Optional[Mapping[str, Dict[str, int]]] = None,
                 msrs: Optional[Mapping[Tuple[int, int], Any]] = None,
                 trials: Optional[Mapping[str, Dict[str, Any]]] = None,
                 identity: Optional[Mapping[str, Any]] = None) -> None:
        self.files = {k: (v.encode() if isinstance(v, str) else v) for k, v in (files or {}).items()}
        self.links = dict(links or {})
        self.cpuid_leaves = dict(cpuid or {})
        self.errors = dict(errors or {})
        self._uname = dict(uname or {"sysname": "Linux", "machine": "x86_64"})
        self.devices = dict(devices or {})
        self.commands = dict(commands or {})
        self.stats = dict(stats or {})
        # (cpu, index) -> value, or an errno name for a read that failed
        self.msrs = dict(msrs or {})
        self.trials = dict(trials or {})
        self._identity = dict(identity or {})
        self.damage: list = []

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        if path in self.errors:
            return Read(path, error=self.errors[path])
        data = self.files.get(path)
        if data is None:
            return Read(path, error="EISDIR" if self._is_dir(path) else "ENOENT")
        if len(data) > limit:
            return Read(path, data=data[:limit]) if partial else Read(path, error="EFBIG")
        return Read(path, data=data)

    def _is_dir(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return any(p.startswith(prefix) for p in self.files)

    def listdir(self, path: str) -> Listing:
        if path in self.errors:
            return Listing(path, error=self.errors[path])
        prefix = path.rstrip("/") + "/"
        names = sorted({p[len(prefix):].split("/")[0] for p in self.files if p.startswith(prefix)} - {".keep"})
        if not names and not any(p.startswith(prefix) for p in self.files):
            return Listing(path, error="ENOENT")
        return Listing(path, names=tuple(names))

    def readlink(self, path: str) -> Read:
        if path in self.links:
            return Read(path, data=self.links[path].encode())
        return Read(path, error=self.errors.get(path, "ENOENT"))

    def stat(self, path: str) -> StatInfo:
        if path in self.stats:
            return StatInfo(path, **self.stats[path])
        return StatInfo(path, error=self.errors.get(path, "ENOENT"))

    def device(self, path: str) -> DeviceInfo:
        if path in self.devices:
            return DeviceInfo(path, info=self.devices[path])
        return DeviceInfo(path, error=self.errors.get(path, "ENOENT"))

    def cpuid(self, leaf: int, subleaf: int = 0) -> Optional[Registers]:
        return self.cpuid_leaves.get((leaf, subleaf))

    def cpuid_error(self) -> Optional[str]:
        return None if self.cpuid_leaves else "ENOTCAPTURED"

    def msr(self, cpu: int, index: int) -> Tuple[Optional[int], Optional[str]]:
        value = self.msrs.get((cpu, index))
        if value is None:
            return None, self.errors.get("/dev/cpu/%d/msr" % cpu, "ENOTCAPTURED")
        if isinstance(value, str):
            return None, value
        return value, None

    def command(self, name: str) -> Read:
        if "cmd:" + name in self.errors:
            return Read("cmd:" + name, error=self.errors["cmd:" + name])
        if name in self.commands:
            return Read("cmd:" + name, data=self.commands[name].encode())
        return Read("cmd:" + name, error="ENOENT")

    def identity(self) -> Mapping[str, Any]:
        return self._identity

    def trial(self, name: str) -> Mapping[str, Any]:
        return self.trials.get(name, {"error": "ENOTCAPTURED"})

    def uname(self) -> Mapping[str, str]:
        return self._uname

    def meta(self) -> Mapping[str, Any]:
        return {"captured_at": None, "user": {}, "path": None}


def signature(text: str) -> Registers:
    """Registers [eax, ebx, ecx, edx] for a 12-byte hypervisor signature (EAX = max leaf)."""
    raw = text.encode("latin-1").ljust(12, b"\0")
    return (0x40000001, int.from_bytes(raw[0:4], "little"), int.from_bytes(raw[4:8], "little"),
            int.from_bytes(raw[8:12], "little"))


HYPERVISOR_BIT = (0x000306A9, 0, 0x80000000, 0)
NO_HYPERVISOR_BIT = (0x000306A9, 0, 0x00000020, 0)
