"""The migration registry: steps run in version order, each once; gaps, bad and future versions.

The property tests build random chains in private Migrations() instances, so nothing here
registers into the real REGISTRY that the spec, project and settings readers use.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nngui.core.platform import migrations
from nngui.core.platform.migrations import (
    MigrationChainError,
    Migrations,
    NewerVersionError,
    VersionError,
)


def _chain(oldest: int, current: int, order: list[int], skip: int | None = None) -> Migrations:
    """A registry whose kind "doc" has a step from every version (but ``skip``), registered
    in ``order``; each step appends the version it starts from to the document."""
    reg = Migrations()
    reg.declare("doc", current, oldest=oldest)
    for version in order:
        if version != skip:
            reg.migrator("doc", version)(lambda doc, v=version: [*doc, v])
    return reg


@st.composite
def chains(draw):
    oldest = draw(st.integers(0, 5))
    current = oldest + draw(st.integers(0, 12))
    order = draw(st.permutations(range(oldest, current)))
    start = draw(st.integers(oldest, current))
    return oldest, current, order, start


@given(chains())
def test_steps_run_in_version_order_each_once_whatever_the_registration_order(chain):
    oldest, current, order, start = chain
    reg = _chain(oldest, current, order)
    assert reg.migrate("doc", [], start) == list(range(start, current))
    assert reg.current("doc") == current and reg.oldest("doc") == oldest


@given(chains(), st.data())
def test_a_gap_anywhere_in_the_chain_is_an_error_not_a_skip(chain, data):
    oldest, current, order, start = chain
    if current == oldest:
        return  # a chain of no steps has no gap to make
    missing = data.draw(st.integers(oldest, current - 1))
    reg = _chain(oldest, current, order, skip=missing)
    with pytest.raises(MigrationChainError, match=rf"gap: no migrator from version {missing}\."):
        reg.check_chain("doc")
    with pytest.raises(MigrationChainError, match="gap"):  # even where this start would not
        reg.migrate("doc", [], start)  # need the missing step: the chain is broken


def test_a_future_version_names_both_versions():
    reg = _chain(0, 3, [0, 1, 2])
    with pytest.raises(NewerVersionError) as caught:
        reg.migrate("doc", [], 5)
    assert str(caught.value) == "made by a newer nngui (format 5); this version reads up to 3"
    assert (caught.value.kind, caught.value.found, caught.value.current) == ("doc", 5, 3)
    reg.declare("sch", 2, label="schema")
    with pytest.raises(NewerVersionError, match=r"newer nngui \(schema 4\); this version reads "
                                                r"up to 2"):
        reg.check_version("sch", 4)


@pytest.mark.parametrize("version, words", [
    (-1, "must be a whole number from 1 to 3, not -1"),
    (1.0, "must be a whole number from 1 to 3, not 1.0"),
    ("2", "must be a whole number from 1 to 3, not '2'"),
    (True, "must be a whole number from 1 to 3, not True"),
    (None, "not None"),
    ("x" * 500, r"not 'xxx.*\.\.\.$"),  # a huge value is cut short in the message
    (0, "format 0 is older than any this nngui reads \\(1 to 3\\)"),
])
def test_a_version_that_is_no_version_is_a_clear_error(version, words):
    reg = _chain(1, 3, [1, 2])
    with pytest.raises(VersionError, match=words):
        reg.migrate("doc", [], version)


def test_a_registration_outside_the_chain_or_twice_is_refused_at_once():
    reg = Migrations()
    reg.declare("doc", 2, oldest=1)
    for bad in (0, 2, 3, -1, "1", 1.5, True):
        with pytest.raises(MigrationChainError, match="outside the chain"):
            reg.migrator("doc", bad)

    @reg.migrator("doc", 1)
    def first(doc):
        return doc

    def second(doc):
        return doc

    with pytest.raises(MigrationChainError, match="two migrators from version 1"):
        reg.migrator("doc", 1)(second)
    with pytest.raises(MigrationChainError, match="no document kind 'other'"):
        reg.migrator("other", 0)
    with pytest.raises(MigrationChainError, match="no document kind 'other'"):
        reg.migrate("other", {}, 0)
    with pytest.raises(MigrationChainError, match="already declared"):
        reg.declare("doc", 3, oldest=1)
    reg.declare("doc", 2, oldest=1)  # the same declaration again (a re-import) is fine
    with pytest.raises(MigrationChainError, match="whole numbers"):
        reg.declare("bad", 1, oldest=2)


def test_a_document_at_the_current_version_is_returned_as_it_is():
    reg = _chain(0, 2, [1, 0])
    doc = ["untouched"]
    assert reg.migrate("doc", doc, 2) is doc


def test_the_real_chains_are_complete_and_match_what_the_readers_write():
    from nngui.core.files import project
    from nngui.core.network import spec

    assert migrations.current("spec") == spec.SCHEMA_VERSION
    assert migrations.current("project") == project.SCHEMA_VERSION
    for kind in migrations.REGISTRY.kinds():
        migrations.check_chain(kind)
