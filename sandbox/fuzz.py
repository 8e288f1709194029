"""What a faulty or hostile producer sends: a real payload with some of its values replaced by junk.

For the clients' fuzz tests (a Hypothesis strategy) and the reliability
suite's flood of malformed deliveries::

    from sandbox.fuzz import damaged

    @given(payload=damaged(example))
    def test_never_a_bug(payload): ...
"""

import copy

from hypothesis import strategies as st

# Values a producer gets wrong: wrong types, empty, absurd, hostile.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "1e400", "NaN", "-0", "12.345", "1,5", "2026-13-45", "<script>", "9" * 40]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths(value, prefix=()):
    """Every place in a JSON document a producer could get wrong."""
    yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from paths(child, (*prefix, key))


@st.composite
def damaged(draw, payload):
    """``payload`` with one to three of its values (or the whole of it) replaced by junk."""
    payload = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from([p for p in paths(payload) if p]))
        target = payload
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = draw(junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier damage replaced a parent of this path
    return payload
