"""Ask /dev/kvm what it can do, through the KVM API (Documentation/virt/kvm/api.rst).

Only queries are made, plus one KVM_CREATE_VM whose descriptor is closed at once: that
is the end-to-end proof that a VM can be created now, which no CPU flag can give.
KVM_GET_SUPPORTED_CPUID tells what KVM would offer its guests: VMX or SVM there means
guests can run KVM themselves (nested), leaf 0x8000001F the SEV features guests may get.
"""

from __future__ import annotations

import errno
import fcntl
import os

from .errors import errname

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Mapping

KVMIO = 0xAE
KVM_GET_API_VERSION = 0xAE00  # _IO(KVMIO, 0x00)
KVM_CREATE_VM = 0xAE01  # _IO(KVMIO, 0x01)
KVM_CHECK_EXTENSION = 0xAE03  # _IO(KVMIO, 0x03)
KVM_GET_VCPU_MMAP_SIZE = 0xAE04  # _IO(KVMIO, 0x04)
KVM_GET_SUPPORTED_CPUID = 0xC008AE05  # _IOWR(KVMIO, 0x05, struct kvm_cpuid2): 8-byte header

#: struct kvm_cpuid_entry2 (arch/x86/include/uapi/asm/kvm.h): function, index, flags, eax,
#: ebx, ecx, edx, padding[3]: ten 32-bit words.
CPUID_ENTRY_SIZE = 40
CPUID_ENTRIES_FIRST, CPUID_ENTRIES_MAX = 256, 4096
#: The leaves of KVM_GET_SUPPORTED_CPUID worth keeping: features (VMX in 1:ECX[5]), structured
#: features, extended features (SVM in 0x80000001:ECX[2]), SVM features (0x8000000A) and
#: encrypted-memory features (0x8000001F).
SUPPORTED_CPUID_LEAVES = ((0x1, 0), (0x7, 0), (0x80000001, 0), (0x8000000A, 0), (0x8000001F, 0))

#: VM types in the KVM_CAP_VM_TYPES bitmask (arch/x86/include/uapi/asm/kvm.h, Linux 6.8+;
#: SEV types from 6.10, TDX from 6.16).
VM_TYPES = {0: "default", 1: "sw-protected", 2: "sev", 3: "sev-es", 4: "sev-snp", 5: "tdx"}

#: KVM_CAP_* numbers from the released uapi header include/uapi/linux/kvm.h.
CAPABILITIES: Mapping[str, int] = {
    "irqchip": 0,
    "nr_vcpus": 9,
    "nr_memslots": 10,
    "sync_mmu": 16,
    "hyperv": 44,
    "max_vcpus": 66,
    "max_vcpu_id": 128,
    "x86_smm": 117,
    "x86_disable_exits": 143,
    "get_msr_features": 153,
    "arm_vm_ipa_size": 165,
    "nested_state": 157,
    "s390_protected": 180,
    "x86_user_space_msr": 188,
    "dirty_log_ring": 192,
    "binary_stats_fd": 203,
    "memory_attributes": 233,
    "guest_memfd": 234,
    "vm_types": 235,
}


def query_kvm(fd: int) -> Dict[str, Any]:
    """The API version, the capabilities above, and whether KVM_CREATE_VM succeeds."""
    answers: Dict[str, Any] = {}
    try:
        answers["kvm_api_version"] = fcntl.ioctl(fd, KVM_GET_API_VERSION, 0)
    except OSError as exc:
        answers["kvm_api_version"] = errname(exc)
        return answers
    caps: Dict[str, int] = {}
    for name, number in CAPABILITIES.items():
        try:
            caps[name] = fcntl.ioctl(fd, KVM_CHECK_EXTENSION, number)
        except OSError:
            caps[name] = 0
    answers["caps"] = caps
    try:
        answers["vcpu_mmap_size"] = fcntl.ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0)
    except OSError as exc:
        answers["vcpu_mmap_size"] = errname(exc)
    answers["supported_cpuid"] = supported_cpuid(fd)
    try:
        vm_fd = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
    except OSError as exc:
        answers["create_vm"] = errname(exc)
    else:
        os.close(vm_fd)
        answers["create_vm"] = "ok"
    return answers


def supported_cpuid(fd: int) -> Any:
    """The leaves of SUPPORTED_CPUID_LEAVES that KVM_GET_SUPPORTED_CPUID lists, as
    {"0x1": [eax, ebx, ecx, edx]}, or the errno name (ENOTTY/EINVAL off x86)."""
    import struct

    count = CPUID_ENTRIES_FIRST
    while True:
        buffer = bytearray(8 + count * CPUID_ENTRY_SIZE)
        struct.pack_into("<II", buffer, 0, count, 0)
        try:
            fcntl.ioctl(fd, KVM_GET_SUPPORTED_CPUID, buffer, True)
            break
        except OSError as exc:
            if exc.errno == errno.E2BIG and count < CPUID_ENTRIES_MAX:
                count *= 2  # the kernel wants room for more entries
                continue
            return errname(exc)
    returned = min(struct.unpack_from("<I", buffer, 0)[0], count)
    wanted = set(SUPPORTED_CPUID_LEAVES)
    leaves: Dict[str, Any] = {}
    for i in range(returned):
        function, index, _flags, eax, ebx, ecx, edx = struct.unpack_from("<7I", buffer, 8 + i * CPUID_ENTRY_SIZE)
        if (function, index) in wanted:
            key = "0x%x" % function if index == 0 else "0x%x.0x%x" % (function, index)
            leaves[key] = [eax, ebx, ecx, edx]
    return leaves
