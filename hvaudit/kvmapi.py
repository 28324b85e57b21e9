"""Ask /dev/kvm what it can do, through the KVM API (Documentation/virt/kvm/api.rst).

Only queries are made, plus one KVM_CREATE_VM whose descriptor is closed at once: that
is the end-to-end proof that a VM can be created now, which no CPU flag can give.
"""

from __future__ import annotations

import errno
import fcntl
import os
from typing import Any, Dict, Mapping

KVMIO = 0xAE
KVM_GET_API_VERSION = 0xAE00  # _IO(KVMIO, 0x00)
KVM_CREATE_VM = 0xAE01  # _IO(KVMIO, 0x01)
KVM_CHECK_EXTENSION = 0xAE03  # _IO(KVMIO, 0x03)
KVM_GET_VCPU_MMAP_SIZE = 0xAE04  # _IO(KVMIO, 0x04)

#: KVM_CAP_* numbers from the released uapi header include/uapi/linux/kvm.h.
CAPABILITIES: Mapping[str, int] = {
    "irqchip": 0,
    "nr_vcpus": 9,
    "nr_memslots": 10,
    "sync_mmu": 16,
    "hyperv": 44,
    "max_vcpus": 66,
    "max_vcpu_id": 128,
    "x86_disable_exits": 143,
    "get_msr_features": 153,
    "nested_state": 157,
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
        answers["kvm_api_version"] = errno.errorcode.get(exc.errno or 0, "EIO")
        return answers
    caps: Dict[str, int] = {}
    for name, number in CAPABILITIES.items():
        try:
            caps[name] = fcntl.ioctl(fd, KVM_CHECK_EXTENSION, number)
        except OSError:
            caps[name] = 0
    answers["caps"] = caps
    try:
        vm_fd = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
    except OSError as exc:
        answers["create_vm"] = errno.errorcode.get(exc.errno or 0, "EIO")
    else:
        os.close(vm_fd)
        answers["create_vm"] = "ok"
    return answers
