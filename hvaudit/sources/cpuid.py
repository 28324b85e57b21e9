"""Execute the CPUID instruction in this process (x86 only).

On x86-64 with the System V calling convention (Linux, the BSDs, macOS), a 33-byte
routine is placed in an anonymous page, made executable with mprotect (W^X: never
writable and executable at once) and called through ctypes. On 32-bit x86, py-cpuinfo's
CPUID facility runs calling-convention-free snippets instead (and can on x86-64 too,
which a test uses to check the two agree). The native routine is the default because
importing py-cpuinfo runs `file` and `uname -p` as subprocesses (platform.architecture,
platform.uname) and costs 34 ms on a 2-core VM, the whole budget of `hvaudit detect`.

On Windows the page comes from VirtualAlloc and is made executable with VirtualProtect, and
the routine follows the Microsoft x64 convention (arguments in rcx, rdx, r8).

Where executing it is impossible (another architecture, executable memory denied by
SELinux execmem or a hardened kernel, CPUID faulting enabled for this process), the
reason is kept and every call answers None.
"""

from __future__ import annotations

from ..errors import Reason, errname

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, Tuple

    Registers = Tuple[int, int, int, int]


# Both routines end alike: store eax, ebx, ecx, edx at [r8], restore rbx, return.
_STORE_AND_RETURN = (
    "418900"      # mov [r8], eax
    "41895804"    # mov [r8+4], ebx
    "41894808"    # mov [r8+8], ecx
    "4189500c"    # mov [r8+12], edx
    "5b"          # pop rbx
    "c3"          # ret
)
# System V AMD64 ABI: leaf in edi, subleaf in esi, out pointer in rdx; rbx is callee-saved.
_ROUTINE = bytes.fromhex(
    "53"          # push rbx
    "89f8"        # mov eax, edi
    "89f1"        # mov ecx, esi
    "4989d0"      # mov r8, rdx
    "0fa2"        # cpuid
    + _STORE_AND_RETURN
)
# Microsoft x64 ABI: leaf in ecx, subleaf in edx, out pointer in r8; rbx is callee-saved.
_ROUTINE_MS = bytes.fromhex(
    "53"          # push rbx
    "89c8"        # mov eax, ecx
    "89d1"        # mov ecx, edx
    "0fa2"        # cpuid
    + _STORE_AND_RETURN
)

_ARCH_GET_CPUID = 0x1011  # arch_prctl(2): 1 if CPUID runs, 0 if it faults (SIGSEGV)
_SYS_ARCH_PRCTL = 158  # x86-64 syscall number
_MEM_COMMIT, _MEM_RESERVE, _PAGE_READWRITE, _PAGE_EXECUTE_READ = 0x1000, 0x2000, 0x04, 0x20  # Windows


#: Machine names (uname -m, platform.machine() on Windows) of x86 processors, the ones with CPUID.
X86_64 = ("x86_64", "amd64", "AMD64")
X86_32 = ("i386", "i486", "i586", "i686", "x86")
X86 = X86_64 + X86_32


class CpuidExecutor:
    """Calls CPUID; builds the routine on first use so that paths that never ask pay nothing.

    backend: "native" (the System V or Microsoft x64 routine), "py-cpuinfo", or "auto"
    (native on x86-64, py-cpuinfo on 32-bit x86).
    """

    def __init__(self, machine: Optional[str] = None, system: Optional[str] = None, backend: str = "auto") -> None:
        if machine is None or system is None:
            from .system import system_uname

            u = system_uname()
            machine = u["machine"] if machine is None else machine
            system = u["sysname"] if system is None else system
        self._machine = machine
        self._system = system
        self.backend = backend if backend != "auto" else ("native" if machine in X86_64 else "py-cpuinfo")
        self._call: Optional[Callable[[int, int], Registers]] = None
        self.error: Optional[Reason] = None
        self._keep: Any = None  # the page and the ctypes objects must outlive every call

    def __call__(self, leaf: int, subleaf: int = 0) -> Optional[Registers]:
        if self.unavailable() is not None or self._call is None:
            return None
        return self._call(leaf & 0xFFFFFFFF, subleaf & 0xFFFFFFFF)

    def unavailable(self) -> Optional[Reason]:
        """None when CPUID can be executed here, else why not."""
        if self._call is None and self.error is None:
            self._build()
        return self.error

    def _build(self) -> None:
        if self._machine not in X86:
            self.error = Reason("ENOSYS", "note.cpuid.not-x86", machine=self._machine)
            return
        if self.backend == "py-cpuinfo":
            self._build_py_cpuinfo()
            return
        if self._system == "Windows":
            self._build_windows()
            return
        try:
            import ctypes
            import mmap

            libc = ctypes.CDLL(None, use_errno=True)
            state = ctypes.c_ulong(1)
            # arch_prctl is Linux's; syscall 158 is another call on other kernels.
            if self._system == "Linux" and libc.syscall(_SYS_ARCH_PRCTL, _ARCH_GET_CPUID,
                                                        ctypes.byref(state)) == 0 and state.value == 0:
                self.error = Reason("EPERM", "note.cpuid.faulting")
                return
            page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
            page.write(_ROUTINE)
            address = ctypes.addressof(ctypes.c_char.from_buffer(page))
            libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
            if libc.mprotect(address, mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
                err = ctypes.get_errno()
                self.error = Reason(errname(err), "note.cpuid.exec-denied")
                return
            self._bind(ctypes, address, (page, libc))
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            self.error = Reason(errname(getattr(exc, "errno", None)), "note.cpuid.failed", error=exc)

    def _build_windows(self) -> None:
        """VirtualAlloc a read-write page, copy the routine, make it execute-read (never both)."""
        try:
            import ctypes
            from ctypes import wintypes

            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
            kernel32.VirtualAlloc.restype = ctypes.c_void_p
            kernel32.VirtualAlloc.argtypes = (ctypes.c_void_p, ctypes.c_size_t, wintypes.DWORD, wintypes.DWORD)
            kernel32.VirtualProtect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, wintypes.DWORD,
                                                ctypes.POINTER(wintypes.DWORD))
            size = 4096
            address = kernel32.VirtualAlloc(None, size, _MEM_COMMIT | _MEM_RESERVE, _PAGE_READWRITE)
            if not address:
                self.error = Reason("ENOMEM", "note.cpuid.virtualalloc-failed",
                                    code=ctypes.get_last_error())  # type: ignore[attr-defined]
                return
            ctypes.memmove(address, _ROUTINE_MS, len(_ROUTINE_MS))
            old = wintypes.DWORD(0)
            if not kernel32.VirtualProtect(address, size, _PAGE_EXECUTE_READ, ctypes.byref(old)):
                self.error = Reason("EPERM", "note.cpuid.exec-denied-windows",
                                    code=ctypes.get_last_error())  # type: ignore[attr-defined]
                return
            self._bind(ctypes, address, kernel32)
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            self.error = Reason(errname(getattr(exc, "errno", None)), "note.cpuid.failed", error=exc)

    def _bind(self, ctypes: Any, address: int, keep: Any) -> None:
        out_type = ctypes.c_uint32 * 4
        func = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32, ctypes.POINTER(out_type))(address)
        out = out_type()

        def call(leaf: int, subleaf: int) -> Registers:
            func(leaf, subleaf, ctypes.byref(out))
            return (out[0], out[1], out[2], out[3])

        self._keep = (keep, func, out)
        self._call = call


    def _build_py_cpuinfo(self) -> None:
        try:
            import ctypes

            from cpuinfo.cpuinfo import ASM
        except ImportError as exc:
            self.error = Reason("ENOSYS", "note.cpuid.no-py-cpuinfo", error=exc)
            return

        def register(leaf: int, subleaf: int, move: bytes) -> int:
            # push rbx; mov eax, leaf; mov ecx, subleaf; cpuid; <move to eax>; pop rbx; ret.
            # No arguments and a result in eax: the same bytes work in every calling convention.
            code = (b"\x53\xb8" + leaf.to_bytes(4, "little") + b"\xb9" + subleaf.to_bytes(4, "little")
                    + b"\x0f\xa2" + move + b"\x5b\xc3")
            asm = ASM(ctypes.c_uint32, (), [code])
            asm.compile()
            try:
                return int(asm.run())
            finally:
                asm.free()

        moves = (b"", b"\x89\xd8", b"\x89\xc8", b"\x89\xd0")  # eax; mov eax, ebx / ecx / edx

        def call(leaf: int, subleaf: int) -> Registers:
            eax, ebx, ecx, edx = (register(leaf, subleaf, move) for move in moves)
            return (eax, ebx, ecx, edx)

        try:
            call(0, 0)
        except (OSError, ValueError, AttributeError) as exc:
            self.error = Reason(errname(getattr(exc, "errno", None)), "note.cpuid.failed", error=exc)
            return
        self._call = call
