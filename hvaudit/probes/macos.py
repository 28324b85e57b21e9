"""macOS: whether macOS itself runs in a virtual machine (kern.hv_vmm_present; on Intel the
CPUID hypervisor bit that machdep.cpu.features lists as VMM) and on which (hw.model names the
virtual platform: VirtualMac2,1 for Virtualization.framework). Returns at once on other
systems. Sources: Apple's sysctl names (kern.hv_vmm_present since macOS 11.3), Apple
Developer "Hypervisor" (kern.hv_support), VZMacHardwareModel.
"""

from __future__ import annotations

from ..model import Evidence, Strength
from ..sources import Source
from ..views import DARWIN, SYSCTL, Views
from . import ev, missing, probe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


@probe("macos.model", systems=(DARWIN,))
def model(src: Source, views: Views) -> Iterator[Evidence]:
    """hw.model and the CPU's name (machdep.cpu.brand_string): the Mac as it names itself,
    or the virtual platform it runs on (VirtualMac2,1; VMware7,1)."""
    pid = "macos.model"
    values = views.sysctl()
    if values is None:
        yield from missing(pid, SYSCTL, src.command("sysctl").error, "sysctl-failed")
        return
    from ..signatures import MACOS_MODELS, dmi_claims

    name, cpu = values.get("hw.model", ""), values.get("machdep.cpu.brand_string", "")
    if not name:
        return
    yield ev(pid, SYSCTL + " hw.model", "hw.model=%s%s" % (name, ", cpu=" + cpu if cpu else ""),
             note="the machine's model as macOS names it")
    for prefix, claims in MACOS_MODELS:
        if name.startswith(prefix):
            for facet, value in claims:
                yield ev(pid, SYSCTL + " hw.model", name, facet, value, Strength.STRONG,
                         "the model of a virtual Mac that Apple's Virtualization.framework presents")
    for (facet, value), (_, raw, _) in dmi_claims({"product_name": name}).items():
        yield ev(pid, SYSCTL + " hw.model", raw, facet, value, Strength.WEAK,
                 "a virtual platform's name: it names the vendor, not whether this is a VM")


@probe("macos.hypervisor", systems=(DARWIN,))
def hypervisor(src: Source, views: Views) -> Iterator[Evidence]:
    """kern.hv_vmm_present (1: macOS runs in a virtual machine) and, on Intel Macs, the VMM
    flag of machdep.cpu.features, macOS's name for the CPUID hypervisor bit."""
    pid = "macos.hypervisor"
    from ..parsers.sysctl import sysctl_words

    values = views.sysctl()
    if values is None:
        return  # macos.model reported why
    present = values.get("kern.hv_vmm_present")
    if present in ("0", "1"):
        yield ev(pid, SYSCTL + " kern.hv_vmm_present", present, "vm", "*" if present == "1" else "none",
                 Strength.STRONG, "the kernel reports that macOS runs in a virtual machine" if present == "1"
                 else "the kernel reports no hypervisor below macOS")
    features = sysctl_words(values, "machdep.cpu.features")
    if features:
        if "VMM" in features:
            yield ev(pid, SYSCTL + " machdep.cpu.features", "VMM", "vm", "*", Strength.STRONG,
                     "macOS lists the CPUID hypervisor bit as VMM")
        else:
            yield ev(pid, SYSCTL + " machdep.cpu.features", "no VMM flag", "vm", "none", Strength.STRONG,
                     "CPUID.1:ECX[31] is clear; a hypervisor can hide it, which few do")
