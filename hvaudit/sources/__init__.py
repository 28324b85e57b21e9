"""Sources answer every question a probe asks; probes never touch the OS directly.

The live machine and a capture folder are two sources behind one protocol, which is what
makes them one code path, and what lets `collect` record a capture as a by-product
(see RecordingSource). The methods mirror the capture format one to one.
"""

from __future__ import annotations

from ..model import Listing, Read
from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike
    from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

    Registers = Tuple[int, int, int, int]

#: Bytes read from one file at most unless a probe asks for more; larger files are EFBIG.
DEFAULT_LIMIT = 1 << 20


def cpuid_key(leaf: int, subleaf: int = 0) -> str:
    """A CPUID leaf's name in captures and evidence: "0x40000000", or "0x7.0x1" for a subleaf."""
    return "0x%x" % leaf if subleaf == 0 else "0x%x.0x%x" % (leaf, subleaf)


class StatInfo(Record):
    """Identity and ownership of a path (for chroot and permission reasoning)."""

    where: str
    dev: Optional[int] = None
    ino: Optional[int] = None
    mode: Optional[int] = None
    uid: Optional[int] = None
    gid: Optional[int] = None
    error: Optional[str] = None

    @property
    def seen(self) -> bool:
        return self.error is None


class DeviceInfo(Record):
    """What was learnt from a device node: type, numbers, mode, what opening it gave, and
    for /dev/kvm what the KVM API answered (see capture-format, `devices`)."""

    where: str
    info: Mapping[str, Any] = {}
    error: Optional[str] = None  # ENOENT when the node does not exist

    @property
    def seen(self) -> bool:
        return self.error is None


class Source:
    """Everything a probe may ask. LiveSource, CaptureSource and RecordingSource implement
    it; a probe that needs something else extends this interface (and the capture format)."""

    kind = "abstract"  # "live" or "capture"

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        """The file's bytes; more than `limit` is EFBIG, or with `partial` the first `limit`."""
        raise NotImplementedError

    def read_many(self, paths: Iterable[str], limit: int = DEFAULT_LIMIT) -> List[Read]:
        """read() of each path, in order: the small files of many folders alike (a PCI
        device's vendor), which a source may answer faster all at once than one by one."""
        return [self.read(path, limit) for path in paths]

    def prefetch(self, paths: Iterable[str]) -> None:
        """A hint: these paths will be asked next, and most of them are usually absent (a
        runtime's marker files). A source may learn their absence at once; the answers to
        the questions that follow are the same either way."""

    def listdir(self, path: str) -> Listing:
        raise NotImplementedError

    def readlink(self, path: str) -> Read:
        raise NotImplementedError

    def stat(self, path: str) -> StatInfo:
        raise NotImplementedError

    def device(self, path: str) -> DeviceInfo:
        raise NotImplementedError

    def cpuid(self, leaf: int, subleaf: int = 0) -> Optional[Registers]:
        raise NotImplementedError

    def cpuid_error(self) -> Optional[str]:
        """None when CPUID can be asked, else why not."""
        raise NotImplementedError

    def msr(self, cpu: int, index: int) -> Tuple[Optional[int], Optional[str]]:
        raise NotImplementedError

    def command(self, name: str) -> Read:
        """What a helper printed: "dmidecode", or "dmesg" (the kernel log lines that concern
        virtualization, read from /dev/kmsg). Never an arbitrary command."""
        raise NotImplementedError

    def identity(self) -> Mapping[str, Any]:
        """Who is asking: uid, euid, gid, egid, groups (this process's supplementary groups),
        user (the name) and db_groups (the user's groups in the group database, which a
        new login would get). Empty when not known (older captures)."""
        raise NotImplementedError

    def trial(self, name: str) -> Mapping[str, Any]:
        """The outcome of a named, side-effect-free experiment run in a child process
        (see hvaudit/sources/trials.py), e.g. "userns": can this user create a user
        namespace. {"error": ERRNO} when it could not be run or was not captured."""
        raise NotImplementedError

    def uname(self) -> Mapping[str, str]:
        raise NotImplementedError

    def meta(self) -> Mapping[str, Any]:
        raise NotImplementedError


def open_source(capture: Optional[Union[str, PathLike[str]]] = None) -> Source:
    """The live machine, or the capture folder given."""
    if capture is None:
        from .live import LiveSource

        return LiveSource()
    from .capture import CaptureSource

    return CaptureSource(capture)


def sysname(source: Source) -> str:
    """The audited system's kernel name as `uname -s` gives it ("Linux", "FreeBSD", "Darwin",
    "Windows"); a capture that does not say is taken for Linux, as every capture before
    hvaudit read other systems was."""
    return source.uname().get("sysname") or "Linux"
