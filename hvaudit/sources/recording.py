"""A Source that answers from another and remembers every answer, so that `collect` can
write exactly what the probes saw as a capture (and nothing else)."""

from __future__ import annotations

from ..model import Listing, Read
from ..privacy import filter_environ, is_environ_path
from . import DEFAULT_LIMIT, DeviceInfo, Source, StatInfo, cpuid_key
from .capture import ABSENT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, Mapping, Optional, Set, Tuple

    from . import Registers


class RecordingSource(Source):
    kind = "live"

    def __init__(self, inner: Source) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.files: Dict[str, bytes] = {}
        self.dirs: Dict[str, Tuple[str, ...]] = {}
        self.entry_kinds: Dict[str, Dict[str, str]] = {}
        self.links: Dict[str, str] = {}
        self.stats: Dict[str, Dict[str, int]] = {}
        self.devices: Dict[str, Dict[str, Any]] = {}
        self.errors: Dict[str, str] = {}
        self.reasons: Dict[str, Dict[str, Any]] = {}  # why, for the errors that say it (a Reason's message)
        self.cpuid_leaves: Dict[str, Registers] = {}
        self.msrs: Dict[str, Dict[str, Any]] = {}
        self.commands: Dict[str, bytes] = {}
        self.trials: Dict[str, Dict[str, Any]] = {}
        self.identity_answer: Optional[Dict[str, Any]] = None
        self.extra_dirs: Set[str] = set()

    def _error(self, path: str, error: Optional[str]) -> None:
        if error and error not in ABSENT:
            self.errors[path] = str(error)
            message, fields = getattr(error, "message", ""), getattr(error, "fields", ())
            if message:
                self.reasons[path] = {"message": message, "fields": dict(fields)}

    @property
    def damage(self) -> Any:
        """The damage the inner source met (a capture's), so that it is still reported."""
        return getattr(self.inner, "damage", None)

    def prefetch(self, paths: Iterable[str]) -> None:
        self.inner.prefetch(paths)

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        read = self.inner.read(path, limit, partial)
        if read.data is not None and is_environ_path(path):
            # Sources filter environments already; a capture never depends on it.
            read = read._replace(data=filter_environ(read.data))
        if read.seen and read.data is not None:
            if len(read.data) >= len(self.files.get(path, b"")):
                self.files[path] = read.data
        elif read.error == "EISDIR":
            # A folder where a probe read: kept as a folder, and the error says so, so that a
            # folder where a file belongs can be told apart as damage in a capture.
            self.extra_dirs.add(path)
            self.errors[path] = "EISDIR"
        else:
            self._error(path, read.error)
        return read

    def listdir(self, path: str) -> Listing:
        listing = self.inner.listdir(path)
        if listing.seen:
            self.dirs[path] = listing.names or ()
            kinds = getattr(self.inner, "entry_kinds", None)
            if kinds is not None:
                self.entry_kinds[path] = kinds(path)
        else:
            self._error(path, listing.error)
        return listing

    def readlink(self, path: str) -> Read:
        read = self.inner.readlink(path)
        if read.seen:
            self.links[path] = read.text or ""
        else:
            self._error(path, read.error)
        return read

    def stat(self, path: str) -> StatInfo:
        info = self.inner.stat(path)
        if info.seen:
            self.stats[path] = {k: getattr(info, k) for k in ("dev", "ino", "mode", "uid", "gid")}
        else:
            self._error(path, info.error)
        return info

    def device(self, path: str) -> DeviceInfo:
        info = self.inner.device(path)
        if info.seen:
            self.devices[path] = dict(info.info)
        else:
            self._error(path, info.error)
        return info

    def cpuid(self, leaf: int, subleaf: int = 0) -> Optional[Registers]:
        regs = self.inner.cpuid(leaf, subleaf)
        if regs is not None:
            self.cpuid_leaves[cpuid_key(leaf, subleaf)] = regs
        return regs

    def cpuid_error(self) -> Optional[str]:
        error = self.inner.cpuid_error()
        self._error("cpuid", error)
        return error

    def msr(self, cpu: int, index: int) -> Tuple[Optional[int], Optional[str]]:
        value, error = self.inner.msr(cpu, index)
        key = "%d:0x%x" % (cpu, index)
        self.msrs[key] = {"value": value} if error is None else {"error": error}
        return value, error

    def command(self, name: str) -> Read:
        read = self.inner.command(name)
        if read.seen and read.data is not None:
            self.commands[name] = read.data
        else:
            self._error(read.where, read.error)
        return read

    def identity(self) -> Mapping[str, Any]:
        answer = self.inner.identity()
        self.identity_answer = dict(answer)
        return answer

    def trial(self, name: str) -> Mapping[str, Any]:
        outcome = self.inner.trial(name)
        self.trials[name] = dict(outcome)
        return outcome

    def uname(self) -> Mapping[str, str]:
        return self.inner.uname()

    def meta(self) -> Mapping[str, Any]:
        return self.inner.meta()
