"""One registry of migrations for every versioned document nngui reads, like napari's migrator.

Each kind of document (``"spec"``: the network JSON, ``"project"``: the .nngui file,
``"settings"``: the QSettings store) is declared once with its current version;
``@migrator(kind, n)`` registers the step that takes a version-``n`` document to version
``n + 1``, and ``migrate(kind, document, version)`` applies the steps from ``version`` up to the
current version, in version order, each once. What a document is belongs to its kind (a dict,
the members of a zip, a QSettings store changed in place); a step returns the next version.

The chain is checked, never trusted: a step registered twice or outside the declared versions
is refused when it is registered, and a missing step between the oldest and the current
version is a MigrationChainError at the first lookup, not a silent skip. Those are bugs in
nngui. A version that is not a whole number (or is older than any this nngui reads) is a
VersionError; one from a newer nngui is a NewerVersionError naming both versions. Those two are
about a file, and their messages are for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

Step = Callable[[Any], Any]
F = TypeVar("F", bound=Step)


class MigrationError(ValueError):
    """A document whose version this nngui cannot read; the message is for the user."""


class VersionError(MigrationError):
    """The version is not a whole number, or older than the oldest this nngui reads."""


class NewerVersionError(MigrationError):
    """A document written by a newer nngui; ``found`` and ``current`` are the two versions."""

    def __init__(self, kind: str, found: int, current: int, label: str) -> None:
        super().__init__(f"made by a newer nngui ({label} {found}); this version reads up to "
                         f"{current}")
        self.kind, self.found, self.current = kind, found, current


class MigrationChainError(Exception):
    """The steps registered for a kind do not form one chain: a bug in nngui, not in a file."""


@dataclass
class _Kind:
    current: int
    oldest: int
    label: str
    steps: dict[int, Step] = field(default_factory=dict)


class Migrations:
    """A registry of migration chains; nngui uses the module's REGISTRY, tests make their own."""

    def __init__(self) -> None:
        self._kinds: dict[str, _Kind] = {}

    def declare(self, kind: str, current: int, *, oldest: int = 0,
                label: str = "format") -> None:
        """Make ``kind`` known: it is read from version ``oldest`` up to ``current``.

        ``label`` names the version in messages ("made by a newer nngui (schema 5)").
        Declaring a kind again with the same values does nothing; with others it is an error.
        """
        if not (_is_whole(current) and _is_whole(oldest) and oldest <= current):
            raise MigrationChainError(f"{kind}: versions must be whole numbers with 0 <= oldest "
                                      f"<= current, not oldest={oldest!r}, "
                                      f"current={current!r}.")
        known = self._kinds.get(kind)
        if known is None:
            self._kinds[kind] = _Kind(current, oldest, label)
        elif (known.current, known.oldest, known.label) != (current, oldest, label):
            raise MigrationChainError(
                f"{kind} is already declared with versions {known.oldest} to {known.current}; "
                f"it cannot also be {oldest} to {current}.")

    def migrator(self, kind: str, version: int) -> Callable[[F], F]:
        """Decorator: the function takes a version-``version`` document to ``version + 1``."""
        spec = self._kind(kind)
        if not _is_whole(version) or not spec.oldest <= version < spec.current:
            raise MigrationChainError(
                f"{kind}: a migrator from version {version!r} is outside the chain; {kind} is "
                f"read from version {spec.oldest} up to version {spec.current}, so its "
                f"migrators start from versions {spec.oldest} to {spec.current - 1}.")

        def register(func: F) -> F:
            old = spec.steps.get(version)
            if old is not None and _name(old) != _name(func):  # the same one re-imported is fine
                raise MigrationChainError(f"{kind}: two migrators from version {version}: "
                                          f"{_name(old)} and {_name(func)}.")
            spec.steps[version] = func
            return func

        return register

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def current(self, kind: str) -> int:
        """The version this nngui writes for ``kind``."""
        return self._kind(kind).current

    def oldest(self, kind: str) -> int:
        """The oldest version of ``kind`` this nngui still reads."""
        return self._kind(kind).oldest

    def check_chain(self, kind: str) -> None:
        """MigrationChainError unless every step from the oldest to the current is there."""
        spec = self._kind(kind)
        missing = [v for v in range(spec.oldest, spec.current) if v not in spec.steps]
        if missing:
            raise MigrationChainError(
                f"{kind}: the migration chain from version {spec.oldest} to {spec.current} has "
                f"a gap: no migrator from version {', '.join(map(str, missing))}.")

    def check_version(self, kind: str, version: Any) -> int:
        """``version`` if this nngui reads it, else VersionError or NewerVersionError."""
        spec = self._kind(kind)
        if not _is_whole(version):
            raise VersionError(f"the {spec.label} version must be a whole number from "
                               f"{spec.oldest} to {spec.current}, not {_show(version)}")
        if version > spec.current:
            raise NewerVersionError(kind, version, spec.current, spec.label)
        if version < spec.oldest:
            raise VersionError(f"{spec.label} {version} is older than any this nngui reads "
                               f"({spec.oldest} to {spec.current})")
        return version

    def migrate(self, kind: str, document: Any, version: Any) -> Any:
        """``document`` (of ``version``) brought up to the current version of ``kind``."""
        spec = self._kind(kind)
        self.check_version(kind, version)
        self.check_chain(kind)
        for step in range(version, spec.current):
            document = spec.steps[step](document)
        return document

    def _kind(self, kind: str) -> _Kind:
        try:
            return self._kinds[kind]
        except KeyError:
            raise MigrationChainError(f"no document kind {kind!r} is declared (known: "
                                      f"{', '.join(self._kinds) or 'none'}).") from None


def _is_whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _name(func: Step) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


REGISTRY = Migrations()
declare = REGISTRY.declare
migrator = REGISTRY.migrator
migrate = REGISTRY.migrate
check_version = REGISTRY.check_version
check_chain = REGISTRY.check_chain
current = REGISTRY.current
