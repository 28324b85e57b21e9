"""The parsed views of one audited system: each file or helper answer that several probes
or checks need, read and parsed once per audit.

An audit makes one `Views` for its Source and hands it to every probe; the checks get it
back inside their `Facts` (hvaudit.facts), so what the probes parsed is not parsed again.
The cache lives on the object, and so dies with the audit.
"""

from __future__ import annotations

from .sources import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

    from .model import Read
    from .parsers.cpuinfo import CpuInfo

#: The systems hvaudit audits, as `uname -s` (sources.sysname) names them.
LINUX = "Linux"
FREEBSD = "FreeBSD"
WINDOWS = "Windows"
DARWIN = "Darwin"
SYSTEMS = (LINUX, FREEBSD, WINDOWS, DARWIN)
#: Probe and check modules named after one system serve that system alone (a test holds
#: their declarations to it), so an audit of another system does not import them.
SYSTEM_MODULES = {"freebsd": FREEBSD, "windows": WINDOWS, "macos": DARWIN}


def modules_for(modules: Sequence[str], system: Optional[str]) -> List[str]:
    """The modules of `modules` that may serve `system` (every one for None)."""
    return [m for m in modules if system is None or SYSTEM_MODULES.get(m, system) == system]


#: The kernel's PCI devices, one folder (a link, on a live system) each.
PCI_DEVICES = "/sys/bus/pci/devices"
PROC_PCI_DEVICES = "/proc/bus/pci/devices"

#: Where evidence from sysctl(8) (FreeBSD, macOS) is said to come from.
SYSCTL = "cmd:sysctl"


class Views:
    """One Source's answers, parsed once: build with `Views(source)`."""

    def __init__(self, src: Source) -> None:
        from .sources import sysname

        self.src = src
        self.system = sysname(src)
        self._cache: Dict[str, Any] = {}

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """compute() once per audit."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def read(self, path: str, limit: int, partial: bool = False) -> Read:
        """The source's answer for `path`, asked once (the first caller's limit holds)."""
        return self.cached("read:" + path, lambda: self.src.read(path, limit=limit, partial=partial))

    # -- Linux -------------------------------------------------------------------------

    def cpuinfo(self) -> Optional[CpuInfo]:
        """/proc/cpuinfo parsed, or None when it cannot be read."""

        def compute() -> Optional[CpuInfo]:
            from .parsers.cpuinfo import CPUINFO_LIMIT, parse_cpuinfo

            read = self.read("/proc/cpuinfo", limit=CPUINFO_LIMIT, partial=True)  # its first MiB
            return parse_cpuinfo(read.text or "") if read.seen else None

        return self.cached("cpuinfo", compute)

    def status(self) -> Dict[str, str]:
        """/proc/self/status as name -> value ({} when unreadable)."""

        def compute() -> Dict[str, str]:
            from .parsers.procfs import parse_status

            read = self.read("/proc/self/status", limit=65536)
            return parse_status(read.text or "") if read.seen else {}

        return self.cached("status", compute)

    def mountinfo(self) -> List[Any]:
        """/proc/self/mountinfo parsed ([] when unreadable)."""

        def compute() -> List[Any]:
            from .parsers.procfs import parse_mountinfo

            read = self.read("/proc/self/mountinfo", limit=4 << 20)
            return parse_mountinfo(read.text or "") if read.seen else []

        return self.cached("mountinfo", compute)

    def kernel_log(self) -> Tuple[Optional[List[str]], Optional[str]]:
        """(lines, None) or (None, errno name): the virtualization lines of the kernel log."""

        def compute() -> Tuple[Optional[List[str]], Optional[str]]:
            read = self.src.command("dmesg")
            if not read.seen:
                return None, read.error
            return (read.text or "").splitlines(), None

        return self.cached("kernel_log", compute)

    def pci_vendors(self) -> Tuple[Optional[Dict[str, str]], Optional[str]]:
        """({vendor id: where its first device says so}, None), the id in lower case as
        "0x1af4", or (None, errno name) when the devices cannot be listed.

        /proc/bus/pci/devices lists every device's vendor in one file: one read, where a host
        with SR-IOV has thousands of devices. Where it cannot be read (a capture made before
        hvaudit read it, /proc/bus masked), each /sys/bus/pci/devices/DEVICE/vendor, in the
        order of the devices' names, asked all at once, each different content decoded once."""

        def compute() -> Tuple[Optional[Dict[str, str]], Optional[str]]:
            listed = self.src.read(PROC_PCI_DEVICES, limit=16 << 20)
            if listed.seen:
                from .parsers.procfs import parse_pci_devices

                vendors: Dict[str, str] = {}
                for device, vendor in parse_pci_devices(listed.text or ""):
                    vendors.setdefault(vendor, "%s %s" % (PROC_PCI_DEVICES, device))
                return vendors, None
            listing = self.src.listdir(PCI_DEVICES)
            if not listing.seen:
                return None, listing.error
            names = listing.names or ()
            folder = PCI_DEVICES + "/"
            reads = self.src.read_many([folder + name + "/vendor" for name in names], limit=64)
            first: Dict[Optional[bytes], str] = {}
            for name, read in zip(names, reads):
                first.setdefault(read.data, name)
            first.pop(None, None)  # unreadable
            vendors = {}
            for data, name in first.items():
                vendor = data.decode("utf-8", "replace").strip().lower()  # type: ignore[union-attr]
                if vendor:
                    vendors.setdefault(vendor, "%s%s/vendor" % (folder, name))
            return vendors, None

        return self.cached("pci_vendors", compute)

    def sys_modules(self) -> Optional[frozenset]:
        """The names in /sys/module, or None when it cannot be listed (no sysfs here, or a
        capture that did not record it): then no module can be said to be absent."""

        def compute() -> Optional[frozenset]:
            listing = self.src.listdir("/sys/module")
            return frozenset(listing.names or ()) if listing.seen else None

        return self.cached("sys_modules", compute)

    def kernel_config(self) -> Tuple[Optional[Dict[str, str]], str]:
        """(the kernel's build configuration, where) from /proc/config.gz or /boot/config-RELEASE."""

        def compute() -> Tuple[Optional[Dict[str, str]], str]:
            from .parsers.kconfig import config_text, parse_kconfig

            release = self.src.uname().get("release", "")
            paths = ["/proc/config.gz"] + (["/boot/config-" + release] if release else [])
            for path in paths:
                read = self.src.read(path, limit=2 << 20)
                if read.seen and read.data:
                    content = config_text(read.data)
                    if content:
                        return parse_kconfig(content), path
            return None, " or ".join(paths)

        return self.cached("kconfig", compute)

    # -- FreeBSD and macOS -------------------------------------------------------------

    def sysctl(self) -> Optional[Dict[str, str]]:
        """The sysctl helper's answers, or None when it could not be run."""

        def compute() -> Optional[Dict[str, str]]:
            from .parsers.sysctl import parse_sysctl

            read = self.src.command("sysctl")
            return parse_sysctl(read.text or "") if read.seen else None

        return self.cached("sysctl", compute)

    def vm_processes(self) -> Optional[Dict[str, int]]:
        """How many processes of each VM-holding name run (the vm-processes answer), None
        when it could not be had."""

        def compute() -> Optional[Dict[str, int]]:
            from .parsers.processes import parse_process_counts

            read = self.src.command("vm-processes")
            return parse_process_counts(read.text or "") if read.seen else None

        return self.cached("vm_processes", compute)

    # -- Windows -----------------------------------------------------------------------

    def cim(self, name: str) -> Optional[List[Dict[str, Any]]]:
        """A cim-*/ps-* helper's instances, None when it gave nothing usable."""

        def compute() -> Optional[List[Dict[str, Any]]]:
            from .parsers.windows import decode_output, parse_cim_json

            read = self.src.command(name)
            if not read.seen or read.data is None:
                return None
            return parse_cim_json(decode_output(read.data))

        return self.cached("cim:" + name, compute)

    def systeminfo(self) -> Optional[Dict[str, List[str]]]:
        """systeminfo's answer as field -> lines, None when it gave nothing."""

        def compute() -> Optional[Dict[str, List[str]]]:
            from .parsers.windows import decode_output, parse_systeminfo

            read = self.src.command("systeminfo")
            if not read.seen or read.data is None:
                return None
            return parse_systeminfo(decode_output(read.data))

        return self.cached("systeminfo", compute)
