"""Reading many files at once answers exactly as reading them one by one, and the PCI
vendors are read once per audit, each device's file once."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from hvaudit.model import Read
from hvaudit.probes.hypervisor import pci_vendors
from hvaudit.sources.capture import LISTING_LIMIT, CaptureSource
from hvaudit.views import Views

from . import hostile_cases
from .support import DictSource

DEVICES = "/sys/bus/pci/devices"


def mixed_capture(folder: Path) -> List[str]:
    """A capture whose root/ holds every kind of answer a read can get, and those paths."""
    document = hostile_cases.base_document()
    document["errors"] = {DEVICES + "/0000:00:05.0/vendor": "EACCES"}
    document["unread"] = [DEVICES + "/0000:00:06.0/vendor"]
    hostile_cases.write_base(folder, document, files={
        "sys/bus/pci/devices/0000:00:02.0/vendor": b"0x8086\n",
        "sys/bus/pci/devices/0000:00:03.0/vendor/inner": b"a folder where a file belongs",
        "sys/bus/pci/devices/0000:00:05.0/vendor": b"0x15ad\n",
        "sys/bus/pci/devices/0000:00:06.0/vendor": b"",
        "sys/bus/pci/devices/0000:00:07.0/vendor": b"0x1234567890" * 20,
        "proc/cmdline": b"BOOT_IMAGE=/vmlinuz root=/dev/vda secret=1 kvm.nested=1\n",
    })
    devices = folder / "root" / "sys" / "bus" / "pci" / "devices"
    (devices / "0000:00:08.0").mkdir()
    os.symlink("/etc/hostname", devices / "0000:00:08.0" / "vendor")
    (devices / "0000:00:09.0").mkdir()
    os.mkfifo(devices / "0000:00:09.0" / "vendor")
    names = sorted(p.name for p in devices.iterdir())
    return ([DEVICES + "/%s/vendor" % name for name in names + ["0000:00:0a.0"]]
            + ["/proc/cmdline", "/sys//bus/pci/devices/0000:00:01.0/vendor", DEVICES + "/./x/vendor",
               "relative/path", "/proc/cpuinfo"])


def test_read_many_answers_as_read_does(tmp_path: Path) -> None:
    paths = mixed_capture(tmp_path / "capture")
    one_by_one = CaptureSource(tmp_path / "capture")
    at_once = CaptureSource(tmp_path / "capture")
    for limit in (64, 1 << 20):
        expected = [one_by_one.read(path, limit=limit) for path in paths]
        assert at_once.read_many(paths, limit=limit) == expected
    assert at_once.damage == one_by_one.damage
    errors = {read.where: read.error for read in expected}
    assert errors[DEVICES + "/0000:00:05.0/vendor"] == "EACCES"
    assert errors[DEVICES + "/0000:00:06.0/vendor"] == "ENOTCAPTURED"
    assert errors[DEVICES + "/0000:00:03.0/vendor"] == "EISDIR"
    assert errors[DEVICES + "/0000:00:08.0/vendor"] == "ELOOP"
    assert errors[DEVICES + "/0000:00:09.0/vendor"] == "EFTYPE"
    assert errors[DEVICES + "/./x/vendor"] == "EINVAL"
    assert next(r for r in expected if r.where == "/proc/cmdline").data == b"kvm.nested=1\n"
    assert any("symbolic link" in d for d in one_by_one.damage)


def test_the_default_read_many_reads_each_path(tmp_path: Path) -> None:
    src = DictSource({"/a": "1", "/b": "2"}, errors={"/c": "EACCES"})
    assert src.read_many(["/a", "/c", "/b", "/d"]) == [src.read(p) for p in ("/a", "/c", "/b", "/d")]


def test_listing_a_folder_drops_the_keep_marker_and_sorts(tmp_path: Path) -> None:
    hostile_cases.write_base(tmp_path, files={"sys/kernel/iommu_groups/.keep": b"",
                                              "sys/kernel/iommu_groups/10/type": b"DMA\n",
                                              "sys/kernel/iommu_groups/2/type": b"DMA\n"})
    assert CaptureSource(tmp_path).listdir("/sys/kernel/iommu_groups").names == ("10", "2")


@pytest.mark.parametrize("extra", [0, 1, 2])
def test_listing_limit_is_exact(tmp_path: Path, extra: int) -> None:
    """LISTING_LIMIT names are kept whole; one more is noted as damage."""
    hostile_cases.write_base(tmp_path)
    folder = tmp_path / "root" / "many"
    folder.mkdir()
    (folder / ".keep").write_bytes(b"")
    for i in range(LISTING_LIMIT - 1 + extra):
        (folder / ("%05d" % i)).write_bytes(b"")
    src = CaptureSource(tmp_path)
    names = src.listdir("/many").names or ()
    assert len(names) == min(LISTING_LIMIT, LISTING_LIMIT - 1 + extra)
    assert bool(src.damage) == (extra == 2)


def pci_evidence(files: Dict[str, str], errors: Optional[Dict[str, str]] = None) -> List[tuple]:
    src = DictSource(files, errors=errors)
    return [(e.where, e.raw, e.claim.facet if e.claim else None) for e in pci_vendors(src, Views(src))]


def test_pci_vendors_name_the_first_device_of_each_vendor() -> None:
    evidence = pci_evidence({DEVICES + "/0000:00:09.0/vendor": "0x1af4\n",
                             DEVICES + "/0000:00:03.0/vendor": "0x1AF4\n",  # the same vendor, upper case
                             DEVICES + "/0000:00:02.0/vendor": "0x8086\n",
                             DEVICES + "/0000:00:01.0/vendor": "\n",
                             DEVICES + "/0000:00:04.0/vendor": "0x15ad\n",
                             DEVICES + "/0000:00:00.0/vendor": "0x15ad\n"},
                            errors={DEVICES + "/0000:00:00.0/vendor": "EACCES"})
    assert evidence == [(DEVICES + "/0000:00:03.0/vendor", "0x1af4", "pv_device"),
                        (DEVICES + "/0000:00:04.0/vendor", "0x15ad", "vm")]


def test_pci_vendors_unlisted_folder_is_said() -> None:
    src = DictSource({}, errors={DEVICES: "EACCES"})
    evidence = list(pci_vendors(src, Views(src)))
    assert [(e.where, e.error) for e in evidence] == [(DEVICES, "EACCES")]
    assert list(pci_vendors(DictSource({}), Views(DictSource({})))) == []


def test_each_vendor_file_is_read_once_per_audit(tmp_path: Path) -> None:
    """The view reads each device's file once, whoever asks for the vendors again."""
    asked: List[str] = []

    class Counting(DictSource):
        def read(self, path: str, limit: int = 1 << 20, partial: bool = False) -> Read:
            asked.append(path)
            return super().read(path, limit, partial)

    src = Counting({DEVICES + "/0000:00:%02x.0/vendor" % i: "0x8086\n" for i in range(40)})
    views = Views(src)
    list(pci_vendors(src, views))
    list(pci_vendors(src, views))
    assert len(asked) == 40 and len(set(asked)) == 40
    assert json.dumps(views.pci_vendors()[0]) == json.dumps({"0x8086": "0000:00:00.0"})
