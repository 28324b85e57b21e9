"""The capture format (hvaudit-capture/1, docs/capture-format.md), read and written here:
a capture folder as a Source, and `write_capture`. Captures are untrusted input.

Reading never follows a link (every path component is opened with O_NOFOLLOW beneath the
capture's root/), never blocks on a FIFO or device node (O_NONBLOCK, then only regular
files are read), never reads more than the limit, and never consults the live machine.
Damage that leaves the rest usable is recorded in `damage` and reported as a finding;
a capture that cannot be used at all raises CaptureError (one line, exit code 2).
Every text that comes from the capture and reaches a message is shown escaped.
"""

from __future__ import annotations

import errno
import os
import stat as statmod
from itertools import chain, islice

from ..errors import CaptureError, errname
from ..model import Listing, Read
from ..parsers import TooDeep, load_json
from ..plaintext import shown
from ..privacy import filter_command, filter_read
from . import DEFAULT_LIMIT, DeviceInfo, Source, StatInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike
    from pathlib import Path
    from typing import AbstractSet, Any, Callable, Dict, Iterable, List, Mapping, Optional, Protocol, Set, Tuple, Union

    from ..model import Report
    from . import Registers

    class Recorded(Protocol):
        """What a capture holds, as a RecordingSource gathered it during an audit."""

        files: Dict[str, bytes]
        dirs: Dict[str, Tuple[str, ...]]
        entry_kinds: Dict[str, Dict[str, str]]
        extra_dirs: Set[str]
        links: Dict[str, str]
        stats: Dict[str, Dict[str, int]]
        devices: Dict[str, Dict[str, Any]]
        errors: Dict[str, str]
        cpuid_leaves: Dict[str, Registers]
        msrs: Dict[str, Dict[str, Any]]
        commands: Dict[str, bytes]
        trials: Dict[str, Dict[str, Any]]
        identity_answer: Optional[Dict[str, Any]]

        def uname(self) -> Mapping[str, str]: ...

        def meta(self) -> Mapping[str, Any]: ...


#: The one version of the format this hvaudit reads and writes.
FORMAT = "hvaudit-capture/1"
CAPTURE_JSON_LIMIT = 16 << 20
#: No file hvaudit writes into a capture is larger (probes read 4 MiB at most): a larger
#: one was not made by `collect`, and is not even looked at.
CAPTURE_FILE_LIMIT = 16 << 20
#: How every file and folder of a capture is opened: never following a link, never blocking.
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
#: openat2(2) (Linux 5.6): its number (the same on every architecture) and RESOLVE_BENEATH |
#: RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS (include/uapi/linux/openat2.h).
SYS_OPENAT2 = 437
RESOLVE_NO_LINKS_BENEATH = 0x08 | 0x04 | 0x02
#: Folders of a capture kept open while it is read (a PCI device's folder, its parents).
FOLDERS_KEPT = 32
#: Names read from one folder at most; a capture's folders hold a few hundred.
LISTING_LIMIT = 8192
#: Length of an error text kept from capture.json ("EACCES", or "EPERM: why").
ERROR_TEXT_LIMIT = 200
#: Systems whose captures need no root/ (their probes ask commands, not files).
NO_ROOT_SYSTEMS = ("FreeBSD", "Darwin", "Windows")
KEEP = ".keep"  # stands in a folder that would otherwise be empty; not one of its entries
#: Errors that mean "absent": a capture says that by not holding the path.
ABSENT = frozenset({"ENOENT", "ENOTDIR"})

#: Helper commands whose output is JSON (PowerShell's ConvertTo-Json): a capture keeps them
#: as commands/<name>.json, every other as commands/<name>.txt.
JSON_COMMAND_PREFIXES = ("cim-", "ps-")


def command_file(name: str) -> str:
    """The file name under a capture's commands/ that holds what helper `name` printed."""
    return name + (".json" if name.startswith(JSON_COMMAND_PREFIXES) else ".txt")


def _plausible_name(name: str) -> bool:
    """Names in /proc, /sys and /dev are UTF-8 without control characters."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable()


def _clean_error(text: str) -> str:
    """An error text from capture.json as one printable line."""
    return shown(text, ERROR_TEXT_LIMIT) or "EIO"


class CaptureSource(Source):
    """Answers from a capture folder, exactly as the machine answered when it was collected."""

    kind = "capture"

    def __init__(self, path: Union[str, PathLike[str]]) -> None:
        from pathlib import Path

        self.path = Path(path)
        self._base_fd: Optional[int] = None
        self._beneath = open_beneath()
        self._folders: Dict[Tuple[str, ...], int] = {}  # in order of use, the latest last
        self.damage: List[str] = []
        self._noted: Set[str] = set()
        try:
            info = os.stat(self.path)  # the folder the user named: a link to it is followed
        except (FileNotFoundError, NotADirectoryError, ValueError):
            raise CaptureError("capture not found: %s" % shown(self.path)) from None
        except OSError as exc:
            raise CaptureError("cannot open the capture %s: %s" % (shown(self.path), exc.strerror or errname(exc))) \
                from None
        if not statmod.S_ISDIR(info.st_mode):
            raise CaptureError("not a capture folder: %s" % shown(self.path))
        self._doc = self._load_document()
        # Only Linux captures keep their answers in root/; the other systems' are in commands/.
        uname = self._doc.get("uname")
        system = uname.get("sysname") if isinstance(uname, dict) else None
        self._tops = {"root": self._check_top("root", required=system not in NO_ROOT_SYSTEMS),
                      "commands": self._check_top("commands", required=False)}
        self._cpuid = self._table("cpuid", dict, self._parse_cpuid)
        self._links = self._table("links", dict, self._strings)
        self._devices = self._table("devices", dict, self._objects)
        self._errors = {k: _clean_error(v) for k, v in self._table("errors", dict, self._strings).items()}
        self._stats = self._table("stats", dict, self._objects)
        self._msr = self._table("msr", dict, self._objects)
        self._trials = self._table("trials", dict, self._objects)
        self._identity = self._table("identity", dict, self._identity_fields)
        self._unread = frozenset(self._table("unread", list, self._string_list))
        self._uname = {k: shown(v, 512) for k, v in self._table("uname", dict, self._strings).items()
                       if k.isidentifier()}
        user, captured = self._doc.get("user"), self._doc.get("captured_at")
        hostname = self._doc.get("hostname")
        if hostname is not None and not isinstance(hostname, str):
            self.damage.append("capture.json: 'hostname' is not a string; ignored")
        if user is not None and not (isinstance(user, dict) and all(
                isinstance(user.get(k), int) and not isinstance(user.get(k), bool) for k in ("uid", "euid")
                if k in user)):
            self.damage.append("capture.json: 'user' is not {\"uid\": N, \"euid\": N}; ignored")
        if captured is not None and not isinstance(captured, str):
            self.damage.append("capture.json: 'captured_at' is not a string; ignored")

    # -- capture.json -------------------------------------------------------------------
    def _load_document(self) -> Mapping[str, Any]:
        import json

        doc_path = shown(self.path / "capture.json")
        try:
            fd = os.open(self.path / "capture.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            raise CaptureError("not a capture: %s has no capture.json" % shown(self.path)) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise CaptureError("%s is a symbolic link; a capture's files are never followed out of it"
                                   % doc_path) from None
            raise CaptureError("cannot read %s: %s" % (doc_path, exc.strerror or errname(exc))) from None
        try:
            info = os.fstat(fd)
            if not statmod.S_ISREG(info.st_mode):
                raise CaptureError("%s is not a regular file" % doc_path)
            if info.st_size > CAPTURE_JSON_LIMIT:
                raise CaptureError("%s is larger than %d MiB" % (doc_path, CAPTURE_JSON_LIMIT >> 20))
            with os.fdopen(fd, "rb", closefd=False) as f:
                raw = f.read(CAPTURE_JSON_LIMIT + 1)
        except OSError as exc:
            raise CaptureError("cannot read %s: %s" % (doc_path, exc.strerror or errname(exc))) from None
        finally:
            os.close(fd)
        if len(raw) > CAPTURE_JSON_LIMIT:
            raise CaptureError("%s is larger than %d MiB" % (doc_path, CAPTURE_JSON_LIMIT >> 20))
        try:
            doc = load_json(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise CaptureError("%s is not valid JSON: not UTF-8 (byte %d)" % (doc_path, exc.start)) from None
        except TooDeep:
            raise CaptureError("%s is not valid JSON: nested too deeply" % doc_path) from None
        except ValueError as exc:
            raise CaptureError("%s is not valid JSON: %s" % (doc_path, shown(str(exc).splitlines()[0]))) from None
        if not isinstance(doc, dict):
            raise CaptureError("%s is not a JSON object" % doc_path)
        fmt = doc.get("format")
        if fmt != FORMAT:
            try:
                text = shown(json.dumps(fmt), 60) if fmt is not None else "missing"
            except (ValueError, RecursionError):
                text = "of the wrong type"
            raise CaptureError("%s: unsupported format %s (this hvaudit reads %s)" % (doc_path, text, FORMAT))
        return doc

    def _note(self, message: str) -> None:
        """Record damage once (a link met by several reads is one damage)."""
        if message not in self._noted:
            self._noted.add(message)
            self.damage.append(message)

    def _check_top(self, name: str, required: bool) -> Optional[str]:
        """None when root/ (or commands/) is a usable folder, else the error that every path
        beneath it answers (and the damage is noted once)."""
        try:
            info = os.lstat(self.path / name)
        except FileNotFoundError:
            if required:
                self._note("root/ is missing: the capture holds no files")
                return "ENOTCAPTURED"
            return "ENOENT"
        except OSError as exc:
            self._note("%s/ cannot be read: %s" % (name, exc.strerror or errname(exc)))
            return "ENOTCAPTURED"
        if statmod.S_ISLNK(info.st_mode):
            self._note("%s/ is a symbolic link; not followed, nothing beneath it was read" % name)
            return "ENOTCAPTURED"
        if not statmod.S_ISDIR(info.st_mode):
            self._note("%s/ is not a folder; nothing beneath it was read" % name)
            return "ENOTCAPTURED"
        return None

    def _table(self, key: str, kind: type, convert: Any) -> Any:
        value = self._doc.get(key)
        if value is None:
            return kind()
        if not isinstance(value, kind):
            self.damage.append("capture.json: %r is not a JSON %s; ignored" % (key, kind.__name__))
            return kind()
        return convert(key, value)

    def _strings(self, key: str, table: Dict[str, Any]) -> Dict[str, str]:
        good = {k: v for k, v in table.items() if isinstance(v, str)}
        if len(good) != len(table):
            self.damage.append("capture.json: %d entries of %r are not strings; ignored"
                               % (len(table) - len(good), key))
        return good

    def _string_list(self, key: str, items: List[Any]) -> List[str]:
        good = [v for v in items if isinstance(v, str)]
        if len(good) != len(items):
            self.damage.append("capture.json: %d entries of %r are not strings; ignored"
                               % (len(items) - len(good), key))
        return good

    def _objects(self, key: str, table: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
        good = {k: v for k, v in table.items() if isinstance(v, dict)}
        if len(good) != len(table):
            self.damage.append("capture.json: %d entries of %r are not objects; ignored"
                               % (len(table) - len(good), key))
        return good

    def _identity_fields(self, key: str, table: Dict[str, Any]) -> Dict[str, Any]:
        """Keep only well-formed fields: integers for ids, lists of integers for groups."""
        def integer(value: Any) -> bool:
            return isinstance(value, int) and not isinstance(value, bool)

        good: Dict[str, Any] = {}
        for name, value in table.items():
            ok = (integer(value) if name in ("uid", "euid", "gid", "egid")
                  else isinstance(value, list) and all(integer(v) for v in value) if name in ("groups", "db_groups")
                  else (value is None or isinstance(value, str)) if name == "user"
                  else False)
            if ok:
                good[name] = value
        if len(good) != len(table):
            self.damage.append("capture.json: %d fields of %r are malformed; ignored" % (len(table) - len(good), key))
        return good

    def _parse_cpuid(self, key: str, table: Dict[str, Any]) -> Dict[Tuple[int, int], Registers]:
        leaves: Dict[Tuple[int, int], Registers] = {}
        bad = 0
        for name, regs in table.items():
            try:
                leaf_text, _, sub_text = name.partition(".")
                leaf, sub = int(leaf_text, 16), int(sub_text, 16) if sub_text else 0
                if not (isinstance(regs, list) and len(regs) == 4
                        and all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r <= 0xFFFFFFFF
                                for r in regs)):
                    raise ValueError(name)
            except ValueError:
                bad += 1
                continue
            leaves[(leaf, sub)] = (regs[0], regs[1], regs[2], regs[3])
        if bad:
            self.damage.append("capture.json: %d CPUID entries are malformed; ignored" % bad)
        return leaves

    # -- root/ ----------------------------------------------------------------------------
    def _open(self, path: str, directory: bool, top: str = "root") -> int:
        """Open <capture>/<top>/<path> without following any link beneath the capture folder;
        raises OSError (ELOOP for a link, noted as damage). The caller closes what it gets."""
        if not path.startswith("/") or "\0" in path:
            raise OSError(errno.EINVAL, "not an absolute, normal path")
        if "/." in path or "//" in path or path.endswith("/"):  # a spelling to check part by part
            parts = [p for p in path.split("/") if p]
            if "." in parts or ".." in parts:
                raise OSError(errno.EINVAL, "not an absolute, normal path")
            relative = "/".join([top] + parts)
        else:  # the usual spelling, already normal: no list of its parts is built
            relative = top + path
        flags = READ_FLAGS | os.O_DIRECTORY if directory else READ_FLAGS
        if self._beneath is not None:
            try:
                return self._beneath(self._base_fd if self._base_fd is not None else self._folder(()),
                                     relative.encode("utf-8", "surrogateescape"), flags)
            except OSError as exc:
                if exc.errno in (errno.ENOSYS, errno.EPERM, errno.EINVAL):  # no openat2 here (or seccomp)
                    self._beneath = None
                elif exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise
                # Perhaps a link on the way: the walk below tells, and notes which.
        names = tuple(relative.split("/"))
        return self._open_at(self._folder(names[:-1]), names, flags & os.O_DIRECTORY)

    def _folder(self, names: Tuple[str, ...]) -> int:
        """A descriptor of the folder <capture>/<names...>, opened component by component
        without following links, and kept (at most FOLDERS_KEPT, least recently used closed
        first) so that reading many files of one folder does not walk the path again."""
        if not names:
            if self._base_fd is None:
                self._base_fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_DIRECTORY)
            return self._base_fd
        fd = self._folders.pop(names, None)
        if fd is not None:
            self._folders[names] = fd
            return fd
        fd = self._open_at(self._folder(names[:-1]), names, os.O_DIRECTORY)
        self._folders[names] = fd
        if len(self._folders) > FOLDERS_KEPT:
            os.close(self._folders.pop(next(iter(self._folders))))
        return fd

    def _open_at(self, parent: int, names: Tuple[str, ...], kind: int) -> int:
        """Open the last of `names` beneath `parent`, never following a link."""
        try:
            return os.open(names[-1], READ_FLAGS | kind, dir_fd=parent)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) and self._is_link(names[-1], parent):
                self._note("%s is a symbolic link; not followed" % shown("/".join(names)))
                raise OSError(errno.ELOOP, "a symbolic link in the capture") from None
            raise

    def close(self) -> None:
        """Close the folders kept open (also done when the source is dropped)."""
        folders, self._folders = self._folders, {}
        for fd in folders.values():
            os.close(fd)
        if self._base_fd is not None:
            os.close(self._base_fd)
            self._base_fd = None

    def __del__(self) -> None:
        if getattr(self, "_folders", None) is not None:
            self.close()

    @staticmethod
    def _is_link(name: str, dir_fd: int) -> bool:
        try:
            return statmod.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def _read_files(self, paths: Iterable[str], limit: int, partial: bool = False, top: str = "root") -> List[Read]:
        """Regular files beneath the capture's root/ (or commands/), bounded: special files,
        links and oversized files are never read; what capture.json says of a root/ path
        (an error, unread) answers for it. One loop for many files: a capture of thousands
        of devices costs their system calls, not a chain of calls per file."""
        reads: List[Read] = []
        top_error = self._tops[top]
        errors: Mapping[str, str] = self._errors if top == "root" else {}
        unread: AbstractSet[str] = self._unread if top == "root" else frozenset()
        first = min(1 << 20, limit + 1)
        for path in paths:
            error = errors.get(path) or ("ENOTCAPTURED" if path in unread else top_error)
            if error is not None:
                reads.append(Read(path, None, error))
                continue
            try:
                fd = self._open(path, False, top)
            except OSError as exc:
                reads.append(Read(path, None, errname(exc)))
                continue
            try:
                info = os.fstat(fd)
                if not statmod.S_ISREG(info.st_mode) or info.st_size > CAPTURE_FILE_LIMIT:
                    reads.append(Read(path, None, self._not_read(top + path, info)))
                    continue
                data = os.read(fd, first)  # the whole file, for one within the limit
                if data and len(data) != info.st_size and len(data) <= limit:
                    data = self._read_rest(fd, data, limit, info.st_size)
            except OSError as exc:
                reads.append(Read(path, None, errname(exc)))
                continue
            finally:
                os.close(fd)
            if len(data) > limit:
                if not partial:
                    reads.append(Read(path, None, "EFBIG"))
                    continue
                data = data[:limit]
            reads.append(Read(path, filter_read(path, data) if top == "root" else data))
        return reads

    @staticmethod
    def _read_rest(fd: int, data: bytes, limit: int, size: int) -> bytes:
        """The rest of a file after its first read, up to limit + 1 bytes in all."""
        chunks = [data]
        read = len(data)
        while read <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - read))
            if not chunk:
                break
            chunks.append(chunk)
            read += len(chunk)
            if read == size:  # the whole file (a capture is not written while read)
                break
        return b"".join(chunks)

    def _not_read(self, name: str, info: os.stat_result) -> str:
        """Why a file of the capture is not read (noted as damage): a folder, a special file,
        or one larger than any file hvaudit captures."""
        if statmod.S_ISDIR(info.st_mode):
            self._note("%s is a folder where a file was expected; ignored" % shown(name))
            return "EISDIR"
        if not statmod.S_ISREG(info.st_mode):
            self._note("%s is not a regular file; ignored" % shown(name))
            return "EFTYPE"
        self._note("%s is %d bytes, larger than any file hvaudit captures; not read" % (shown(name), info.st_size))
        return "EFBIG"

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        return self._read_files((path,), limit, partial)[0]

    def read_many(self, paths: Iterable[str], limit: int = DEFAULT_LIMIT) -> List[Read]:
        return self._read_files(paths, limit)

    def listdir(self, path: str) -> Listing:
        if path in self._errors and self._errors[path] != "EISDIR":  # EISDIR: what reading it gave
            return Listing(path, error=self._errors[path])
        if self._tops["root"] is not None:
            return Listing(path, error=self._tops["root"])
        try:
            fd = self._open(path, directory=True)
        except OSError as exc:
            return Listing(path, error=errname(exc))
        try:
            with os.scandir(fd) as entries:
                first = [entry.name for entry in islice(entries, LISTING_LIMIT + 2)]
                if len(first) <= LISTING_LIMIT and "".join(first).isprintable():  # every name, each plausible
                    names = [name for name in first if name != KEEP]
                else:
                    names = self._plausible_names(path, chain(first, (entry.name for entry in entries)))
        except OSError as exc:
            return Listing(path, error=errname(exc))
        finally:
            os.close(fd)
        return Listing(path, names=tuple(sorted(names)))

    def _plausible_names(self, path: str, names: Iterable[str]) -> List[str]:
        """The names a machine could show, LISTING_LIMIT at most (what is left out is noted)."""
        kept: List[str] = []
        for name in names:
            if name == KEEP:
                continue
            if len(kept) >= LISTING_LIMIT:
                self._note("root%s holds more than %d names; the rest were ignored" % (shown(path), LISTING_LIMIT))
                break
            if not _plausible_name(name):
                self._note("root%s holds a name that no machine shows (%s); ignored" % (shown(path), shown(name)))
                continue
            kept.append(name)
        return kept

    def exists(self, path: str) -> bool:
        if self._tops["root"] is not None:
            return False
        try:
            os.close(self._open(path, directory=False))
        except OSError as exc:
            return exc.errno == errno.EISDIR
        return True

    def readlink(self, path: str) -> Read:
        if path in self._links:
            return Read(path, data=self._links[path].encode("utf-8", "replace"))
        return Read(path, error=self._errors.get(path, "ENOENT"))

    def stat(self, path: str) -> StatInfo:
        entry = self._stats.get(path)
        if entry is None:
            return StatInfo(path, error=self._errors.get(path, "ENOTCAPTURED"))
        ints = {k: entry.get(k) if isinstance(entry.get(k), int) else None
                for k in ("dev", "ino", "mode", "uid", "gid")}
        return StatInfo(path, **ints)

    def device(self, path: str) -> DeviceInfo:
        entry = self._devices.get(path)
        if entry is not None:
            return DeviceInfo(path, info=entry)
        if path in self._errors:
            return DeviceInfo(path, error=self._errors[path])
        if self.exists(path):
            # A node kept as a plain file (older captures): present, nothing more known.
            return DeviceInfo(path, info={"type": "unknown"})
        return DeviceInfo(path, error="ENOENT")

    def cpuid(self, leaf: int, subleaf: int = 0) -> Optional[Registers]:
        return self._cpuid.get((leaf, subleaf))

    def cpuid_error(self) -> Optional[str]:
        if self._cpuid:
            return None
        return self._errors.get("cpuid", "ENOTCAPTURED: the capture holds no CPUID leaves")

    def msr(self, cpu: int, index: int) -> Tuple[Optional[int], Optional[str]]:
        key = "%d:0x%x" % (cpu, index)
        entry = self._msr.get(key)
        if entry is None:
            return None, self._errors.get("/dev/cpu/%d/msr" % cpu, "ENOTCAPTURED")
        value, error = entry.get("value"), entry.get("error")
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, error if isinstance(error, str) else "EIO"

    def command(self, name: str) -> Read:
        where = "cmd:" + name
        if where in self._errors:
            return Read(where, error=self._errors[where])
        if "/" in name or name in ("", ".", ".."):
            return Read(where, error="EINVAL")
        read = self._read_files(("/" + command_file(name),), DEFAULT_LIMIT, top="commands")[0]
        return Read(where, filter_command(name, read.data) if read.data is not None else None, read.error)

    def identity(self) -> Mapping[str, Any]:
        return dict(self._identity)

    def trial(self, name: str) -> Mapping[str, Any]:
        outcome = self._trials.get(name)
        return dict(outcome) if outcome is not None else {"error": "ENOTCAPTURED"}

    def uname(self) -> Mapping[str, str]:
        return dict(self._uname)

    def meta(self) -> Mapping[str, Any]:
        user = self._doc.get("user")
        captured = self._doc.get("captured_at")
        ids = {k: v for k, v in user.items() if k in ("uid", "euid") and isinstance(v, int)
               and not isinstance(v, bool)} if isinstance(user, dict) else {}
        return {
            "captured_at": shown(captured, 64) if isinstance(captured, str) else None,
            "user": ids,
            "path": shown(self.path, 4096),
            "redacted": self._doc.get("redacted") is True,
            "hostname": self.hostname(),
        }

    def hostname(self) -> Optional[str]:
        """The host name the capture was made on: its `hostname` key, else uname's nodename."""
        name = self._doc.get("hostname")
        if not isinstance(name, str) or not name.strip():
            name = self._uname.get("nodename")
        return shown(name, 255) if name else None

def open_beneath() -> Optional[Callable[[int, bytes, int], int]]:
    """openat2(2) with RESOLVE_NO_SYMLINKS and RESOLVE_BENEATH, where the kernel has it: the
    whole path opened in one call, the kernel refusing any link on the way (ELOOP) and any
    way out of the folder. None elsewhere (other systems; ENOSYS is met on first use)."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syscall = libc.syscall
    except (OSError, AttributeError, ImportError):
        return None
    syscall.restype = ctypes.c_long
    # No argtypes: the arguments are handed over already converted (a C long, a pointer, a
    # size_t) or as an int and bytes, which is cheaper per call than converting each through
    # argtypes; the kernel reads the descriptor as an int.
    number = ctypes.c_long(SYS_OPENAT2)

    class OpenHow(ctypes.Structure):
        _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]

    size = ctypes.c_size_t(ctypes.sizeof(OpenHow))
    hows: Dict[int, Tuple[Any, Any]] = {}  # flags -> (open_how, a pointer to it)

    def open_beneath(dir_fd: int, path: bytes, flags: int) -> int:
        how = hows.get(flags)
        if how is None:
            how_struct = OpenHow(flags, 0, RESOLVE_NO_LINKS_BENEATH)
            how = hows[flags] = (how_struct, ctypes.byref(how_struct))
        fd = syscall(number, dir_fd, path, how[1], size)
        if fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        return fd

    return open_beneath


# -- writing ----------------------------------------------------------------------------

def _place(root: Path, path: str) -> Path:
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    return root.joinpath(*parts) if parts else root


def write_capture(rec: Recorded, folder: Path, report: Report, redactor: Optional[Any] = None) -> None:
    """Write what `rec` saw as a capture; a Redactor, if given, is applied to every name,
    every file, commands/ and capture.json as they are written."""
    import json
    from pathlib import Path

    def name(text: str) -> str:
        return redactor.text(text) if redactor is not None else text

    def content(data: bytes, path: str = "") -> bytes:
        return redactor.data(data, path) if redactor is not None else data

    root = folder / "root"
    root.mkdir(parents=True, exist_ok=True)
    unread = []
    # Folders that hold what was read: a listed name that is one of them is a folder even
    # where the source said nothing of its kind (a capture of a capture).
    holders = {p.rsplit("/", depth)[0] for p in list(rec.files) + list(rec.dirs) for depth in range(1, p.count("/"))}
    for path, names in sorted(rec.dirs.items()):
        where = _place(root, name(path))
        where.mkdir(parents=True, exist_ok=True)
        kinds = rec.entry_kinds.get(path, {})
        for entry in names:
            child = path.rstrip("/") + "/" + entry
            if child in rec.files or child in rec.dirs:
                continue
            # The whole path is redacted, not the bare name: a name is known by its context
            # ("lxc/NAME", "lxc.payload.NAME").
            named = _place(root, name(child))
            if kinds.get(entry) == "dir" or child in holders:
                named.mkdir(parents=True, exist_ok=True)
            else:
                named.parent.mkdir(parents=True, exist_ok=True)
                named.touch()
                unread.append(name(child))
    for path in sorted(rec.extra_dirs):
        _place(root, name(path)).mkdir(parents=True, exist_ok=True)
    for path, data in sorted(rec.files.items()):
        where = _place(root, name(path))
        if where.is_dir():
            continue
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_bytes(content(data, path))
    for dirpath, dirnames, filenames in os.walk(root):
        if not dirnames and not filenames:
            (Path(dirpath) / KEEP).touch()
    if rec.commands:
        (folder / "commands").mkdir()
        for command, data in rec.commands.items():
            (folder / "commands" / command_file(command)).write_bytes(content(data))
    meta = rec.meta()
    doc: Dict[str, Any] = {
        "format": FORMAT,
        "captured_at": meta.get("captured_at"),
        "hostname": meta.get("hostname"),
        "hvaudit_version": report.meta.hvaudit_version,
        "user": meta.get("user"),
        "uname": dict(rec.uname()),
        "cpuid": {k: list(v) for k, v in sorted(rec.cpuid_leaves.items(), key=lambda kv: _leaf_order(kv[0]))},
        "links": dict(sorted(rec.links.items())),
        "devices": dict(sorted(rec.devices.items())),
        "stats": dict(sorted(rec.stats.items())),
        "msr": dict(sorted(rec.msrs.items())),
        "trials": dict(sorted(rec.trials.items())),
        "errors": dict(sorted(rec.errors.items())),
        "unread": sorted(unread),
    }
    if rec.identity_answer is not None:
        doc["identity"] = rec.identity_answer
    if redactor is not None:
        doc = redactor.value(doc)
        doc["uname"] = redactor.uname(rec.uname())
        if isinstance(meta.get("hostname"), str):  # a field that holds the host name
            doc["hostname"] = redactor.uname({"nodename": meta["hostname"]})["nodename"]
        doc["redacted"] = True
    (folder / "capture.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def _leaf_order(key: str) -> Any:
    leaf, _, sub = key.partition(".")
    return (int(leaf, 16), int(sub, 16) if sub else 0)
