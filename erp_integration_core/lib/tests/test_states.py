import pytest

from .. import states


def test_every_state_has_its_moves_declared_and_done_and_ignored_are_final():
    assert {code for code, _label in states.STATES} == set(states.TRANSITIONS)
    assert states.TRANSITIONS[states.DONE] == states.TRANSITIONS[states.IGNORED] == frozenset()
    for targets in states.TRANSITIONS.values():
        assert targets <= set(states.TRANSITIONS)


def test_a_move_not_declared_is_refused_with_both_states_named():
    states.check("needs_attention", "queued")
    with pytest.raises(states.InvalidTransition, match="from 'done' to 'queued'"):
        states.check("done", "queued")
    with pytest.raises(states.InvalidTransition):
        states.check("received", "queued")
