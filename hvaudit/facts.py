"""What one audit knows when its checks run: the probes' evidence, the classification made
from it, and the parsed views the probes made (hvaudit.views).

Checks read this, never decide again what the classifier decided: whether the system is a
guest, in a container, or a confidential VM is the classification's answer.
"""

from __future__ import annotations

from .views import Views

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List, Optional, Sequence

    from .classify import Classification
    from .model import Evidence
    from .sources import Source


class Facts(Views):
    """The Views of the audited Source, with the evidence and the classification."""

    def __init__(self, views: Views, evidence: Sequence[Evidence], classification: Classification) -> None:
        super().__init__(views.src)
        self._cache = views._cache  # what the probes parsed
        self.evidence = tuple(evidence)
        self.classification = classification

    @classmethod
    def of(cls, src: Source, extra: Iterable[Evidence] = ()) -> Facts:
        """Probe `src` and classify (plus `extra` evidence): what run_audit builds."""
        from .classify import classify
        from .probes import run_probes

        views = Views(src)
        evidence = run_probes(views) + list(extra)
        return cls(views, evidence, classify(evidence, src.uname()))

    @property
    def guest(self) -> Optional[bool]:
        """This system runs on a hypervisor that is not its own (a host role, dom0 or
        Hyper-V's root partition, is not a guest); None when nothing said either way."""
        return self.classification.guest

    @property
    def in_container(self) -> bool:
        return self.classification.container != "none"

    @property
    def cvm(self) -> str:
        """systemd-detect-virt --cvm's id, or "none"."""
        return self.classification.cvm

    def of_probe(self, probe_id: str) -> List[Evidence]:
        """The evidence one probe recorded."""
        return [e for e in self.evidence if e.probe == probe_id]

    def error(self, where: str) -> Optional[str]:
        """The errno name a probe recorded for `where`, None when it was read (or never asked)."""
        return next((e.error for e in self.evidence if e.where == where and e.error), None)
