"""User text inside translated sentences is isolated for bidirectional text."""

from timebank.i18n import isolate


def test_a_name_is_isolated_and_escaped():
    """A name is wrapped in <bdi> so its direction cannot reorder the sentence, and any
    markup in it is escaped."""
    assert str(isolate("ليلى <b>")) == "<bdi>ليلى &lt;b&gt;</bdi>"
