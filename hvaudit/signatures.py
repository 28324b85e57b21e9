"""What each documented signal names, as data. Probes look values up here; they never

branch on vendor strings themselves. Every table says where its values come from."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Mapping, Optional, Tuple

    DmiRule = Tuple[str, str, Tuple[Tuple[str, str], ...]]

# --------------------------------------------------------------------------------------
# CPUID hypervisor leaves (0x40000000 + n*0x100): EBX, ECX, EDX as 12 little-endian bytes.
# Sources: Intel SDM vol. 2A (leaves 0x40000000-0x4FFFFFFF reserved for hypervisors);
# Microsoft Hypervisor TLFS 6.0 §2.4 (vendor-neutral interface at 0x40000000, a hypervisor
# may put its native interface at 0x40000100); Documentation/virt/kvm/x86/cpuid.rst;
# systemd src/basic/virt.c and lscpu's tables for the other vendors' strings.
# --------------------------------------------------------------------------------------
CPUID_SIGNATURES: Mapping[str, str] = {
    "KVMKVMKVM": "kvm",
    "Linux KVM Hv": "kvm",  # KVM's own Hyper-V-compatible leaf (systemd virt.c)
    "TCGTCGTCGTCG": "qemu",  # QEMU's software CPU (TCG), no KVM
    "XenVMMXenVMM": "xen",
    "Microsoft Hv": "microsoft",
    "VMwareVMware": "vmware",
    "VBoxVBoxVBox": "virtualbox",  # VirtualBox with the "minimal" paravirt provider
    "bhyve bhyve ": "bhyve",
    "BHyVE BHyVE ": "bhyve",
    "QNXQVMBSQG": "qnx",
    "ACRNACRNACRN": "acrn",
    "SRESRESRESRE": "sre",
    "Apple VZ": "apple",  # Virtualization.framework on Intel Macs (systemd PR #31007)
    "LKVMLKVMLKVM": "kvm",  # kvmtool
    "OpenBSDVMM58": "openbsd-vmm",
    " lrpepyh  vr": "parallels",
    "prl hyperv  ": "parallels",
    "Jailhouse": "jailhouse",
    "UnisysSpar64": "unisys-spar",
}

#: Signatures that also name the VM monitor product, not only the hypervisor.
CPUID_PRODUCTS: Mapping[str, str] = {"LKVMLKVMLKVM": "kvmtool", "TCGTCGTCGTCG": "qemu"}

#: Hypervisors known to present another hypervisor's CPUID interface to their guests, so
#: that a guest's enlightened drivers work. When evidence for both meets, the one that
#: presents the other's interface is the real hypervisor. Sources: VirtualBox manual §10.4
#: (paravirtualization providers: Hyper-V, KVM); Parallels exports a KVM leaf (virt-what);
#: QEMU docs/system/i386/hyperv.rst (hv-* enlightenments on KVM); Xen "viridian" option.
PRESENTS_INTERFACE_OF: Mapping[str, FrozenSet[str]] = {
    "virtualbox": frozenset({"kvm", "microsoft"}),
    "parallels": frozenset({"kvm", "microsoft"}),
    "kvm": frozenset({"microsoft"}),
    "xen": frozenset({"microsoft"}),
    "qemu": frozenset({"microsoft"}),
    "bhyve": frozenset({"microsoft"}),
}


def signature_text(ebx: int, ecx: int, edx: int) -> str:
    """The 12 signature bytes as text, trailing NULs removed (non-ASCII kept as escapes)."""
    raw = b"".join(r.to_bytes(4, "little") for r in (ebx, ecx, edx))
    return raw.rstrip(b"\0").decode("latin-1")


def plausible_signature(text: str) -> bool:
    """A hypervisor writes a readable vendor name; the leftovers that bare CPUs (and old
    CPUID helpers) return for these leaves are not. Never take junk for a signature."""
    stripped = text.strip()
    return (len(stripped) >= 4 and all(32 <= ord(c) < 127 for c in text)
            and len(set(stripped)) > 1)


# --------------------------------------------------------------------------------------
# DMI/SMBIOS identity strings (/sys/class/dmi/id/*, dmidecode). Prefix match, as systemd
# virt.c does; each row: (field, prefix) -> claims. Vendor strings are claims anyone's
# firmware can carry (an Oracle server says "Oracle Corporation"), so the classifier
# weighs them below the CPUID hypervisor bit and the SMBIOS VM bit.
# Sources: systemd virt.c dmi_vendor_table; virt-what; cloud-init ds-identify (asset tags);
# cloud-hypervisor smbios.rs; Apple Virtualization.framework (systemd PR #24419).
# --------------------------------------------------------------------------------------

DMI_RULES: Tuple[DmiRule, ...] = (
    ("product_name", "KVM", (("vm", "kvm"),)),
    ("product_name", "OpenStack", (("vm", "kvm"), ("cloud", "openstack"))),
    ("sys_vendor", "OpenStack", (("vm", "kvm"), ("cloud", "openstack"))),
    ("product_name", "KubeVirt", (("vm", "kvm"), ("vmm", "kubevirt"))),
    ("sys_vendor", "KubeVirt", (("vm", "kvm"), ("vmm", "kubevirt"))),
    ("sys_vendor", "Amazon EC2", (("cloud", "aws"), ("vm", "kvm"))),
    ("bios_vendor", "Amazon EC2", (("cloud", "aws"),)),
    ("sys_vendor", "QEMU", (("vm", "qemu"), ("vmm", "qemu"))),
    ("product_name", "VMware", (("vm", "vmware"),)),
    ("sys_vendor", "VMware", (("vm", "vmware"),)),
    ("bios_vendor", "VMware", (("vm", "vmware"),)),
    ("sys_vendor", "VMW", (("vm", "vmware"),)),
    ("sys_vendor", "innotek GmbH", (("vm", "virtualbox"),)),
    ("bios_vendor", "innotek GmbH", (("vm", "virtualbox"),)),
    ("product_name", "VirtualBox", (("vm", "virtualbox"),)),
    ("board_vendor", "Oracle Corporation", (("vm", "virtualbox"),)),
    ("sys_vendor", "Oracle Corporation", (("vm", "virtualbox"),)),
    ("sys_vendor", "Xen", (("vm", "xen"),)),
    ("bios_vendor", "Xen", (("vm", "xen"),)),
    ("product_name", "HVM domU", (("vm", "xen"), ("xen_mode", "hvm"))),
    ("sys_vendor", "Bochs", (("vm", "bochs"),)),
    ("bios_vendor", "Bochs", (("vm", "bochs"),)),
    ("sys_vendor", "Parallels", (("vm", "parallels"),)),
    ("bios_vendor", "Parallels", (("vm", "parallels"),)),
    ("product_name", "Parallels", (("vm", "parallels"),)),
    ("sys_vendor", "BHYVE", (("vm", "bhyve"),)),
    ("bios_vendor", "BHYVE", (("vm", "bhyve"),)),
    ("product_name", "BHYVE", (("vm", "bhyve"),)),
    ("product_version", "Hyper-V", (("vm", "microsoft"),)),
    ("product_name", "Apple Virtualization", (("vm", "apple"),)),
    ("product_name", "Google Compute Engine", (("cloud", "gcp"), ("vm", "kvm"))),
    ("sys_vendor", "Google", (("cloud", "gcp"),)),
    ("bios_vendor", "Google", (("cloud", "gcp"),)),
    ("sys_vendor", "Microsoft Corporation", (("vm", "microsoft"),)),
    ("sys_vendor", "Alibaba Cloud", (("cloud", "alibaba"), ("vm", "kvm"))),
    ("sys_vendor", "UpCloud", (("cloud", "upcloud"), ("vm", "kvm"))),
    ("sys_vendor", "Nutanix", (("cloud", "nutanix"), ("vmm", "nutanix-ahv"))),
    ("product_name", "AHV", (("vm", "kvm"), ("vmm", "nutanix-ahv"))),
    ("product_name", "RHEV Hypervisor", (("vm", "kvm"), ("vmm", "rhev"))),
    ("sys_vendor", "oVirt", (("vm", "kvm"), ("vmm", "ovirt"))),
    ("sys_vendor", "DigitalOcean", (("cloud", "digitalocean"), ("vm", "kvm"))),
    ("sys_vendor", "Hetzner", (("cloud", "hetzner"), ("vm", "kvm"))),
    ("sys_vendor", "Cloud Hypervisor", (("vmm", "cloud-hypervisor"),)),
    ("bios_vendor", "cloud-hypervisor", (("vmm", "cloud-hypervisor"),)),
    ("chassis_asset_tag", "7783-7084-3265-9085-8269-3286-77", (("cloud", "azure"),)),  # cloud-init: Azure
    ("chassis_asset_tag", "OracleCloud.com", (("cloud", "oracle"),)),  # cloud-init: Oracle Cloud
)

#: Substrings (not prefixes) that name a cloud: Xen-era EC2 firmware versions end in
#: ".amazon" (e.g. "4.2.amazon"; Ohai's ec2 plugin, virt-what).
DMI_SUBSTRINGS: Tuple[DmiRule, ...] = (
    ("bios_version", ".amazon", (("cloud", "aws"),)),
)

#: Strings that firmware shows on more than one kind of machine, so they only hint:
#: SeaBIOS's defaults appear on QEMU and KVM guests, not only in the Bochs emulator, and
#: Oracle's name is on its bare-metal servers too (systemd #21100).
DMI_HINTS: FrozenSet[Tuple[str, str]] = frozenset({
    ("sys_vendor", "Bochs"), ("bios_vendor", "Bochs"),
    ("sys_vendor", "Oracle Corporation"), ("board_vendor", "Oracle Corporation"),
    # EC2's and Microsoft's names are on their bare-metal instances and laptops too
    # (systemd PR #19403, #21468): they hint at their hypervisors, nothing more.
    ("sys_vendor", "Amazon EC2"), ("sys_vendor", "Microsoft Corporation"),
    # QEMU is the VM monitor of KVM guests too: its name says "QEMU without KVM" only
    # when nothing shows KVM.
    ("sys_vendor", "QEMU"),
})

#: "Microsoft Corporation" + "Virtual Machine" is Hyper-V's (or Virtual PC's) firmware;
#: "Microsoft Corporation" alone is also every Surface laptop (systemd #21468).
DMI_PAIRS: Tuple[Tuple[str, str, str, str, Tuple[Tuple[str, str], ...]], ...] = (
    ("sys_vendor", "Microsoft Corporation", "product_name", "Virtual Machine", (("vm", "microsoft"),)),
    ("sys_vendor", "HITACHI", "product_name", "LPAR", (("vm", "virtage"),)),
)

# --------------------------------------------------------------------------------------
# ACPI: the OEM ID in every table header is written by whoever built the tables. Sources:
# Firecracker src/vmm/src/acpi (OEM "FIRECK", FADT hypervisor vendor "FIRECKVM"); QEMU
# hw/acpi (OEM "BOCHS ", table ids "BXPC"); Hyper-V (OEM "VRTUAL", table "MICROSFT");
# VirtualBox ("VBOX  "); VMware ("VMWARE"); Xen hvmloader ("Xen"); cloud-hypervisor
# ("CLOUDH").
# --------------------------------------------------------------------------------------
ACPI_OEM_IDS: Mapping[str, Tuple[Tuple[str, str], ...]] = {
    "FIRECK": (("vm", "kvm"), ("vmm", "firecracker")),
    "BOCHS": (("vmm", "qemu"),),
    "VRTUAL": (("vm", "microsoft"),),
    "VBOX": (("vm", "virtualbox"),),
    "VMWARE": (("vm", "vmware"),),
    "Xen": (("vm", "xen"),),
    "CLOUDH": (("vmm", "cloud-hypervisor"),),
}
FADT_HYPERVISOR_VENDORS: Mapping[str, Tuple[Tuple[str, str], ...]] = {
    "FIRECKVM": (("vm", "kvm"), ("vmm", "firecracker")),
}

# --------------------------------------------------------------------------------------
# PCI vendor ids that only virtual hardware carries (pci.ids). Cloud NIC vendors (Amazon
# 0x1d0f, Google 0x1ae0) appear on bare-metal instances too: they name the cloud only.
# --------------------------------------------------------------------------------------
PCI_VENDORS: Mapping[str, Tuple[Tuple[str, str], ...]] = {
    "0x15ad": (("vm", "vmware"),),
    "0x80ee": (("vm", "virtualbox"),),
    "0x5853": (("vm", "xen"),),
    "0x1414": (("vm", "microsoft"),),
    "0x1ab8": (("vm", "parallels"),),
    "0x1d0f": (("cloud", "aws"),),
    "0x1ae0": (("cloud", "gcp"),),
}
PARAVIRTUAL_PCI_VENDORS: Mapping[str, str] = {"0x1af4": "virtio", "0x1b36": "qemu-pci"}

#: Clock sources a kernel registers only when it runs on that hypervisor
#: (arch/x86/kernel/kvmclock.c, drivers/clocksource/hyperv_timer.c, arch/x86/xen/time.c).
CLOCKSOURCES: Mapping[str, str] = {
    "kvm-clock": "kvm",
    "hyperv_clocksource_tsc_page": "microsoft",
    "hyperv_clocksource_msr": "microsoft",
    "xen": "xen",
}

# --------------------------------------------------------------------------------------
# Hypervisor type (the notes' "Tipo I" / "Tipo II"), with the reason shown in reports (a message).
# --------------------------------------------------------------------------------------
HYPERVISOR_TYPES: Mapping[str, Tuple[Optional[str], str]] = {
    "kvm": ("type-1", "hypervisor-type.reason.kvm"),
    "xen": ("type-1", "hypervisor-type.reason.xen"),
    "microsoft": ("type-1", "hypervisor-type.reason.microsoft"),
    "vmware": (None, "hypervisor-type.reason.vmware"),
    "virtualbox": ("type-2", "hypervisor-type.reason.virtualbox"),
    "parallels": ("type-2", "hypervisor-type.reason.parallels"),
    "qemu": ("type-2", "hypervisor-type.reason.qemu"),
    "bochs": ("type-2", "hypervisor-type.reason.bochs"),
    "uml": ("type-2", "hypervisor-type.reason.uml"),
    "bhyve": ("type-1", "hypervisor-type.reason.bhyve"),
    "powervm": ("type-1", "hypervisor-type.reason.powervm"),
    "zvm": ("type-1", "hypervisor-type.reason.zvm"),
    "ldoms": ("type-1", "hypervisor-type.reason.ldoms"),
    "acrn": ("type-1", "hypervisor-type.reason.acrn"),
    "qnx": ("type-1", "hypervisor-type.reason.qnx"),
    "apple": ("type-2", "hypervisor-type.reason.apple"),
    "openbsd-vmm": ("type-1", "hypervisor-type.reason.openbsd-vmm"),
    "virtualpc": ("type-2", "hypervisor-type.reason.virtualpc"),
    "jailhouse": ("type-1", "hypervisor-type.reason.jailhouse"),
    "virtage": ("type-1", "hypervisor-type.reason.virtage"),
    "sre": (None, "hypervisor-type.reason.sre"),
    "lx86": (None, "hypervisor-type.reason.lx86"),
    "unisys-spar": ("type-1", "hypervisor-type.reason.unisys-spar"),
    "nvmm": ("type-1", "hypervisor-type.reason.nvmm"),
}

#: systemd-detect-virt identifiers (`systemd-detect-virt --list`, systemd 252).
SYSTEMD_VM_IDS = ("kvm", "amazon", "qemu", "bochs", "xen", "uml", "vmware", "oracle", "microsoft", "zvm",
                  "parallels", "bhyve", "qnx", "acrn", "powervm", "apple", "sre", "google", "vm-other")
SYSTEMD_CONTAINER_IDS = ("systemd-nspawn", "lxc-libvirt", "lxc", "openvz", "docker", "podman", "rkt", "wsl",
                         "proot", "pouch", "container-other")

#: Our technology id -> systemd's identifier, where systemd has one (else vm-other).
VM_TECH_TO_SYSTEMD: Mapping[str, str] = {
    "kvm": "kvm", "qemu": "qemu", "bochs": "bochs", "xen": "xen", "uml": "uml", "vmware": "vmware",
    "virtualbox": "oracle", "microsoft": "microsoft", "virtualpc": "microsoft", "zvm": "zvm",
    "parallels": "parallels", "bhyve": "bhyve", "qnx": "qnx", "acrn": "acrn", "powervm": "powervm",
    "apple": "apple", "sre": "sre",
}
#: Clouds whose name systemd reports instead of the hypervisor (virt.c: "Amazon EC2", GCE).
CLOUD_TO_SYSTEMD: Mapping[str, str] = {"aws": "amazon", "gcp": "google"}

CONTAINER_TECH_TO_SYSTEMD: Mapping[str, str] = {
    "systemd-nspawn": "systemd-nspawn", "lxc-libvirt": "lxc-libvirt", "lxc": "lxc", "openvz": "openvz",
    "docker": "docker", "podman": "podman", "rkt": "rkt", "wsl1": "wsl", "wsl2": "wsl", "wsl": "wsl",
    "proot": "proot", "pouch": "pouch",
}

#: The `container=` value runtimes set (systemd's Container Interface) -> our id.
CONTAINER_ENV_NAMES: Mapping[str, str] = {
    "systemd-nspawn": "systemd-nspawn", "lxc": "lxc", "lxc-libvirt": "lxc-libvirt", "docker": "docker",
    "podman": "podman", "rkt": "rkt", "pouch": "pouch", "crio": "cri-o", "oci": "oci", "wsl": "wsl",
    "proot": "proot", "zone": "illumos-lx", "flatpak": "flatpak",
}

# --------------------------------------------------------------------------------------
# Container runtimes: markers are claims, traces corroborate them. A marker (/.dockerenv,
# /run/.containerenv, `container=` in an environment, /run/systemd/container) can be
# carried by any image or root file system; a runtime's own traces (the cgroups it names,
# the mounts it makes, its init) cannot be. Sources: Docker (containers/<id>/hostname,
# hosts, resolv.conf bind mounts; overlay2 storage; --init runs docker-init), Podman
# (/run/.containerenv bind-mounted from overlay-containers/<id>/userdata; containers/storage),
# CRI-O (containers/storage, crio-<id>.scope), LXC (lxc.container.conf(5): console and ttys
# under /dev/lxc/, /dev/.lxc-boot-id; lxc-execute(1) runs init.lxc as PID 1), LXD
# (/dev/lxd), systemd-nspawn (CONTAINER_INTERFACE: /run/host mounted by the manager),
# firejail(1) and bwrap(1) (the sandbox's PID 1), Flatpak (/.flatpak-info mounted by
# flatpak run), OCI runtime-spec config.md (maskedPaths that runc and crun apply).
# --------------------------------------------------------------------------------------

#: Runtime -> the trace values that corroborate its marker (default: the runtime itself).
#: "containers-storage" is the storage library that Podman and CRI-O share.
CORROBORATED_BY: Mapping[str, FrozenSet[str]] = {
    "podman": frozenset({"podman", "containers-storage"}),
    "cri-o": frozenset({"cri-o", "containers-storage"}),
    "wsl": frozenset({"wsl", "wsl1", "wsl2"}),
    "flatpak": frozenset({"flatpak"}),
}

#: Runtimes whose markers need corroboration: the names images and root file systems carry
#: (the `container=` values systemd knows, and the files of MARKERS). A `container=` value
#: outside this set is a runtime's own word (firejail sets container=firejail), not a claim
#: an image inherited.
CLAIMED_RUNTIMES: FrozenSet[str] = frozenset({
    "docker", "podman", "lxc", "lxc-libvirt", "systemd-nspawn", "rkt", "pouch", "cri-o", "oci", "wsl", "proot",
    "apptainer", "flatpak", "illumos-lx",
})

#: A specific runtime's traces outweigh the generic ones it also leaves: Docker, Podman,
#: CRI-O and containerd start containers through an OCI runtime (runc, crun), Flatpak
#: through bubblewrap.
REFINES: Mapping[str, FrozenSet[str]] = {
    "docker": frozenset({"oci"}),
    "podman": frozenset({"oci"}),
    "cri-o": frozenset({"oci"}),
    "containerd": frozenset({"oci"}),
    "flatpak": frozenset({"bubblewrap"}),
}

#: PID 1's program (the base name of argv[0] in /proc/1/cmdline) -> the runtime it shows.
#: Only programs that exist to be a sandbox's or container's first process.
INIT_PROGRAMS: Mapping[str, str] = {
    "init.lxc": "lxc",  # lxc-execute(1)
    "lxc-init": "lxc",
    "firejail": "firejail",
    "bwrap": "bubblewrap",
    "docker-init": "docker",  # docker run --init
}

#: Mount points a runtime makes in its containers: (mount point, is a prefix, facet, value,
#: what). Podman and CRI-O both bind-mount /run/.containerenv (a containers/storage trace).
RUNTIME_MOUNT_POINTS: Tuple[Tuple[str, bool, str, str, str], ...] = (
    ("/run/.containerenv", False, "trace", "containers-storage",
     "note.probe.container.mount.containerenv"),
    ("/dev/lxc/", True, "container", "lxc", "note.probe.container.mount.lxc"),
    ("/dev/lxd", False, "container", "lxc", "note.probe.container.mount.lxd"),
    ("/run/host", False, "container", "systemd-nspawn",
     "note.probe.container.mount.nspawn"),
    ("/.flatpak-info", False, "container", "flatpak", "note.probe.container.mount.flatpak"),
)

#: Files an OCI runtime masks by bind-mounting /dev/null over them (runtime-spec
#: maskedPaths, as runc's and crun's default specs and the engines' set them). Other
#: sandboxes mask some of these too, so alone they only suggest a bare OCI runtime.
OCI_MASKED_FILES: FrozenSet[str] = frozenset({"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"})

# --------------------------------------------------------------------------------------
# Kinds of evidence, for ties. When equally strong claims name different technologies,
# the one resting on the more decisive kind of evidence wins: a CPUID signature is the
# hypervisor's own answer, a kernel interface is the guest kernel's, firmware tables and
# strings are the VM monitor's (and anyone's firmware can carry a vendor name), a bus or
# device shows only that some driver found something; for containers, the kernel's
# namespaces and a runtime's traces outweigh what an environment or a file claims. Never
# the technologies' names: a tie between kinds that are equal too stays unresolved.
# --------------------------------------------------------------------------------------
EVIDENCE_KINDS: Mapping[str, int] = {
    "cpu.hypervisor-leaves": 7,
    "xen.interfaces": 6, "cpu.kernel-view": 6, "devicetree.hypervisor": 6, "s390.sysinfo": 6,
    "windows.hypervisor": 6, "macos.hypervisor": 6, "freebsd.vm-guest": 6, "freebsd.jail": 6,
    "container.namespaces": 6, "container.kernel-interfaces": 6,
    "acpi.tables": 5, "container.cgroup": 5, "container.mounts": 5, "container.init": 5,
    "dmi.identity": 4, "windows.firmware": 4, "freebsd.smbios": 4, "macos.model": 4, "container.environ": 4,
    "paravirt.buses": 3, "paravirt.clocksource": 3, "pci.vendors": 3, "sparc.ldoms": 3,
    "container.markers": 2,
}


NAMES: Mapping[str, str] = {
    "kvm": "KVM", "qemu": "QEMU (software emulation)", "xen": "Xen", "microsoft": "Microsoft Hyper-V",
    "vmware": "VMware", "virtualbox": "Oracle VirtualBox", "parallels": "Parallels", "bhyve": "bhyve",
    "qnx": "QNX Hypervisor", "acrn": "ACRN", "powervm": "IBM PowerVM", "zvm": "IBM z/VM",
    "uml": "User-mode Linux", "apple": "Apple Virtualization.framework", "sre": "SRE", "bochs": "Bochs",
    "firecracker": "Firecracker", "cloud-hypervisor": "Cloud Hypervisor", "kvmtool": "kvmtool (lkvm)",
    "ldoms": "Oracle VM Server for SPARC (LDoms)", "openbsd-vmm": "OpenBSD vmm", "virtualpc": "Microsoft Virtual PC",
    "jailhouse": "Jailhouse", "virtage": "Hitachi Virtage", "lx86": "IBM PowerVM Lx86",
    "unisys-spar": "Unisys s-Par", "openstack": "OpenStack", "kubevirt": "KubeVirt",
    "nutanix-ahv": "Nutanix AHV", "rhev": "Red Hat Virtualization", "ovirt": "oVirt",
    "docker": "Docker", "podman": "Podman", "lxc": "LXC", "lxc-libvirt": "libvirt LXC",
    "systemd-nspawn": "systemd-nspawn", "openvz": "OpenVZ", "rkt": "rkt", "wsl1": "WSL 1", "wsl2": "WSL 2",
    "wsl": "WSL", "proot": "PRoot", "pouch": "PouchContainer", "cri-o": "CRI-O", "containerd": "containerd",
    "kubernetes": "Kubernetes", "gvisor": "gVisor", "kata": "Kata Containers", "apptainer": "Apptainer/Singularity",
    "flatpak": "Flatpak", "linux-vserver": "Linux-VServer", "illumos-lx": "illumos LX zone", "chroot": "chroot",
    "userns-sandbox": "user-namespace sandbox", "namespace-sandbox": "namespace sandbox (unshare-style)",
    "oci": "OCI runtime (runc, crun)", "firejail": "Firejail", "bubblewrap": "Bubblewrap",
    "aws": "Amazon Web Services", "gcp": "Google Cloud", "azure": "Microsoft Azure", "alibaba": "Alibaba Cloud",
    "oracle": "Oracle Cloud", "upcloud": "UpCloud", "nutanix": "Nutanix", "digitalocean": "DigitalOcean",
    "hetzner": "Hetzner", "crosvm": "crosvm", "*": "an unidentified hypervisor",
    "jail": "FreeBSD jail", "nvmm": "NetBSD NVMM",
}

# --------------------------------------------------------------------------------------
# FreeBSD. kern.vm_guest is the kernel's own verdict, from the CPUID hypervisor leaves or,
# failing those, the SMBIOS strings (sys/kern/subr_param.c vm_guest_sysctl_names; sys/x86/
# x86/identcpu.c). Source: FreeBSD 14 src; "vbox", "parallels" and "nvmm" since 13/14.
# --------------------------------------------------------------------------------------
FREEBSD_VM_GUEST: Mapping[str, str] = {
    "none": "none", "generic": "*", "xen": "xen", "hv": "microsoft", "vmware": "vmware", "kvm": "kvm",
    "bhyve": "bhyve", "vbox": "virtualbox", "parallels": "parallels", "nvmm": "nvmm",
}

#: The deprecated security.jail.*_allowed sysctls read, inside a jail, the jail's own
#: allow.* parameters (sys/kern/kern_jail.c: "Prisons just see their own parameters");
#: their names differ from the parameters' for historical reasons. Dynamic ones follow
#: the rule <name>_allowed -> allow.<name>, mount_<fs>_allowed -> allow.mount.<fs>.
JAIL_ALLOW_SYSCTLS: Mapping[str, str] = {
    "security.jail.set_hostname_allowed": "allow.set_hostname",
    "security.jail.sysvipc_allowed": "allow.sysvipc",
    "security.jail.allow_raw_sockets": "allow.raw_sockets",
    "security.jail.chflags_allowed": "allow.chflags",
    "security.jail.mount_allowed": "allow.mount",
}


def jail_parameter(sysctl_name: str) -> Optional[str]:
    """The jail parameter a security.jail.* permission sysctl reflects, or None."""
    if sysctl_name in JAIL_ALLOW_SYSCTLS:
        return JAIL_ALLOW_SYSCTLS[sysctl_name]
    leaf = sysctl_name[len("security.jail."):] if sysctl_name.startswith("security.jail.") else ""
    if "." in leaf or not leaf.endswith("_allowed"):
        return None
    stem = leaf[:-len("_allowed")]
    if stem.startswith("mount_"):
        return "allow.mount." + stem[len("mount_"):]
    return "allow." + stem


# --------------------------------------------------------------------------------------
# macOS: hw.model names the Mac, or the virtual platform a guest runs on. Sources: Apple
# VZMacHardwareModel (macOS guests of Virtualization.framework are VirtualMac2,1; libirecovery
# PR #87); VMware's virtual platforms name themselves VMware7,1 and the like (also Linux
# guests' DMI product_name, so the DMI table covers those).
# --------------------------------------------------------------------------------------
MACOS_MODELS: Tuple[Tuple[str, Tuple[Tuple[str, str], ...]], ...] = (
    ("VirtualMac", (("vm", "apple"),)),
)


#: Names of VM monitor products where they differ from the hypervisor of the same id
#: (QEMU as the product of a KVM guest is not QEMU's software emulation).
PRODUCT_NAMES: Mapping[str, str] = {"qemu": "QEMU"}


def name_of(tech: str) -> str:
    return NAMES.get(tech, tech)


def product_name(product: str) -> str:
    return PRODUCT_NAMES.get(product, name_of(product))


#: Technologies whose name is a description, not a product's name: a message each.
DESCRIBED = ("qemu", "userns-sandbox", "namespace-sandbox", "oci", "jail", "illumos-lx")


def type_reason(tech: str) -> str:
    """The message id of why a hypervisor is of its type (or why that is not known)."""
    return HYPERVISOR_TYPES.get(tech, (None, "hypervisor-type.reason.unknown"))[1]


def layer_name(kind: str, tech: str, details: Mapping[str, object], lang: str = "en") -> str:
    """A layer's name in `lang`, from what the classifier found: the technology, the VM
    monitor's product and role, what surrounds a container."""
    from .messages import render

    def named(value: str) -> str:
        return render("layer.name." + value, lang) if value in DESCRIBED else name_of(value)

    if kind == "hardware":
        return render("layer.hardware", lang, machine=tech)
    if kind == "vm":
        name = named(tech) if tech != "*" else render("layer.unidentified-hypervisor", lang)
        product = details.get("product")
        if product and product != tech:
            name += " (%s)" % product_name(str(product))
        if details.get("role") == "root-partition":
            name = render("layer.root-partition", lang, name=name)
        return name
    if kind == "container":
        around = [named(str(details[k])) for k in ("orchestrator", "sandbox") if details.get(k)]
        name = named(tech) if tech != "*" else render("layer.container" if around else "layer.unidentified-container",
                                                        lang)
        return name + (" (%s)" % ", ".join(around) if around else "")
    return named(tech)


def dmi_claims(fields: Mapping[str, str]) -> Dict[Tuple[str, str], Tuple[str, str, bool]]:
    """(facet, value) -> (field, raw value, only a hint) for every DMI rule the fields match;
    a claim made by a hint-only string and by a real one counts as real."""
    out: Dict[Tuple[str, str], Tuple[str, str, bool]] = {}

    def add(claim: Tuple[str, str], field_name: str, value: str, hint: bool) -> None:
        if claim not in out or (out[claim][2] and not hint):
            out[claim] = (field_name, value, hint)

    for field_name, prefix, claims in DMI_RULES:
        value = fields.get(field_name, "")
        if value.startswith(prefix):
            for claim in claims:
                add(claim, field_name, value, (field_name, prefix) in DMI_HINTS)
    for field_name, part, claims in DMI_SUBSTRINGS:
        value = fields.get(field_name, "")
        if part in value:
            for claim in claims:
                add(claim, field_name, value, False)
    for f1, v1, f2, v2, claims in DMI_PAIRS:
        if fields.get(f1, "").startswith(v1) and v2 in fields.get(f2, ""):
            for claim in claims:
                add(claim, f1 + "+" + f2, fields[f1] + " / " + fields[f2], False)
    return out


#: Windows optional features that start its hypervisor at boot (the Hyper-V role, WSL 2's
#: Virtual Machine Platform, the Windows Hypervisor Platform API, Windows Sandbox).
HYPERVISOR_FEATURES = frozenset({"Microsoft-Hyper-V", "Microsoft-Hyper-V-Hypervisor", "VirtualMachinePlatform",
                                 "HypervisorPlatform", "Containers-DisposableClientVM"})
