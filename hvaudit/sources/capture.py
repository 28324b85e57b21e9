"""A capture folder (hvaudit-capture/1) as a Source. Captures are untrusted input.

Reading never follows a link (every path component is opened with O_NOFOLLOW beneath the
capture's root/), never blocks on a FIFO or device node (O_NONBLOCK, then only regular
files are read), never reads more than the limit, and never consults the live machine.
Damage that leaves the rest usable is recorded in `damage` and reported as a finding.
"""

from __future__ import annotations

import errno
import json
import os
import stat as statmod
from pathlib import Path

from ..errors import CaptureError
from ..model import Listing, Read
from ..privacy import filter_command, filter_read
from . import DEFAULT_LIMIT, DeviceInfo, Source, StatInfo, command_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Tuple

    from . import Registers


FORMAT = "hvaudit-capture/1"
CAPTURE_JSON_LIMIT = 16 << 20
KEEP = ".keep"  # stands in a folder that would otherwise be empty; not one of its entries


def _errname(exc: OSError) -> str:
    return errno.errorcode.get(exc.errno or 0, "EIO")


class CaptureSource(Source):
    """Answers from a capture folder, exactly as the machine answered when it was collected."""

    kind = "capture"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.damage: List[str] = []
        if not self.path.exists():
            raise CaptureError("capture not found: %s" % self.path)
        if not self.path.is_dir():
            raise CaptureError("not a capture folder: %s" % self.path)
        self._doc = self._load_document()
        self._root = self.path / "root"
        self._cpuid = self._table("cpuid", dict, self._parse_cpuid)
        self._links = self._table("links", dict, self._strings)
        self._devices = self._table("devices", dict, self._objects)
        self._errors = self._table("errors", dict, self._strings)
        self._stats = self._table("stats", dict, self._objects)
        self._msr = self._table("msr", dict, self._objects)
        self._trials = self._table("trials", dict, self._objects)
        self._identity = self._table("identity", dict, self._identity_fields)
        self._unread = frozenset(self._table("unread", list, self._string_list))
        self._uname = self._table("uname", dict, self._strings)

    # -- capture.json -------------------------------------------------------------------
    def _load_document(self) -> Mapping[str, Any]:
        doc_path = self.path / "capture.json"
        try:
            fd = os.open(doc_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            raise CaptureError("not a capture: %s has no capture.json" % self.path) from None
        except OSError as exc:
            raise CaptureError("cannot read %s: %s" % (doc_path, exc.strerror or _errname(exc))) from None
        try:
            if not statmod.S_ISREG(os.fstat(fd).st_mode):
                raise CaptureError("%s is not a regular file" % doc_path)
            with os.fdopen(fd, "rb", closefd=False) as f:
                raw = f.read(CAPTURE_JSON_LIMIT + 1)
        except OSError as exc:
            raise CaptureError("cannot read %s: %s" % (doc_path, exc.strerror or _errname(exc))) from None
        finally:
            os.close(fd)
        if len(raw) > CAPTURE_JSON_LIMIT:
            raise CaptureError("%s is larger than %d MiB" % (doc_path, CAPTURE_JSON_LIMIT >> 20))
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CaptureError("%s is not valid JSON: %s" % (doc_path, str(exc).splitlines()[0])) from None
        if not isinstance(doc, dict):
            raise CaptureError("%s is not a JSON object" % doc_path)
        fmt = doc.get("format")
        if fmt != FORMAT:
            shown = json.dumps(fmt)[:60] if fmt is not None else "missing"
            raise CaptureError("%s: unsupported format %s (this hvaudit reads %s)" % (doc_path, shown, FORMAT))
        return doc

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
    def _open(self, path: str, directory: bool, base: Optional[Path] = None) -> int:
        """Open root/<path> (or base/<path>) without following any link; raises OSError."""
        parts = [p for p in path.split("/") if p]
        if not path.startswith("/") or any(p in (".", "..") for p in parts):
            raise OSError(errno.EINVAL, "not an absolute, normal path")
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        fd = os.open(self._root if base is None else base, flags | os.O_DIRECTORY)
        try:
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                next_fd = os.open(part, flags | (os.O_DIRECTORY if (directory or not last) else 0), dir_fd=fd)
                os.close(fd)
                fd = next_fd
            return fd
        except BaseException:
            os.close(fd)
            raise

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        if path in self._errors:
            return Read(path, error=self._errors[path])
        if path in self._unread:
            return Read(path, error="ENOTCAPTURED")
        try:
            fd = self._open(path, directory=False)
        except OSError as exc:
            return Read(path, error=_errname(exc))
        try:
            mode = os.fstat(fd).st_mode
            if statmod.S_ISDIR(mode):
                return Read(path, error="EISDIR")
            if not statmod.S_ISREG(mode):
                self.damage.append("root%s is not a regular file; ignored" % path)
                return Read(path, error="EFTYPE")
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(limit + 1)
        except OSError as exc:
            return Read(path, error=_errname(exc))
        finally:
            os.close(fd)
        if len(data) > limit:
            if not partial:
                return Read(path, error="EFBIG")
            data = data[:limit]
        return Read(path, data=filter_read(path, data))

    def listdir(self, path: str) -> Listing:
        if path in self._errors:
            return Listing(path, error=self._errors[path])
        try:
            fd = self._open(path, directory=True)
        except OSError as exc:
            return Listing(path, error=_errname(exc))
        try:
            names = tuple(sorted(n for n in os.listdir(fd) if n != KEEP))
        except OSError as exc:
            return Listing(path, error=_errname(exc))
        finally:
            os.close(fd)
        return Listing(path, names=names)

    def exists(self, path: str) -> bool:
        try:
            os.close(self._open(path, directory=False))
        except IsADirectoryError:
            return True
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
        try:
            inner = self._open("/commands/" + command_file(name), directory=False, base=self.path)
        except OSError as exc:
            return Read(where, error=_errname(exc))
        try:
            if not statmod.S_ISREG(os.fstat(inner).st_mode):
                return Read(where, error="EFTYPE")
            with os.fdopen(inner, "rb", closefd=False) as f:
                data = f.read(DEFAULT_LIMIT + 1)
        except OSError as exc:
            return Read(where, error=_errname(exc))
        finally:
            os.close(inner)
        if len(data) > DEFAULT_LIMIT:
            return Read(where, error="EFBIG")
        return Read(where, data=filter_command(name, data))

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
        return {
            "captured_at": captured if isinstance(captured, str) else None,
            "user": user if isinstance(user, dict) else {},
            "path": str(self.path),
        }
