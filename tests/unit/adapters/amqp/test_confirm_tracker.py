"""Delivery-tag bookkeeping for pipelined publisher confirms."""

from __future__ import annotations

from adapters.amqp.publisher import ConfirmTracker


def _tracker_with(tokens: list[int]) -> ConfirmTracker:
    tracker = ConfirmTracker()
    for token in tokens:
        tracker.sent(token, message_id=f"m-{token}")
    return tracker


def test_tags_count_from_one_in_publish_order() -> None:
    tracker = ConfirmTracker()
    assert [tracker.sent(token, f"m-{token}") for token in (70, 71, 72)] == [1, 2, 3]
    assert tracker.in_flight == 3


def test_an_ack_with_multiple_confirms_every_tag_up_to_its_own() -> None:
    tracker = _tracker_with([10, 11, 12, 13, 14])
    assert tracker.ack(3, multiple=True) == ([10, 11, 12], [])
    assert tracker.in_flight == 2
    assert tracker.ack(5, multiple=True) == ([13, 14], [])
    assert tracker.in_flight == 0


def test_a_single_ack_confirms_only_its_tag_even_out_of_order() -> None:
    tracker = _tracker_with([10, 11, 12])
    assert tracker.ack(2, multiple=False) == ([11], [])
    assert tracker.ack(3, multiple=True) == ([10, 12], [])


def test_an_ack_for_an_unknown_or_settled_tag_confirms_nothing() -> None:
    tracker = _tracker_with([10])
    assert tracker.ack(1, multiple=False) == ([10], [])
    assert tracker.ack(1, multiple=False) == ([], [])
    assert tracker.ack(99, multiple=True) == ([], [])


def test_a_nack_gives_its_messages_back() -> None:
    tracker = _tracker_with([10, 11, 12])
    assert tracker.nack(2, multiple=True) == [10, 11]
    assert tracker.in_flight == 1


def test_a_returned_message_is_reported_apart_from_the_delivered() -> None:
    tracker = _tracker_with([10, 11, 12])
    tracker.returned("m-11")
    assert tracker.ack(3, multiple=True) == ([10, 12], [11])


def test_a_lost_channel_gives_back_everything_pending_and_starts_over() -> None:
    tracker = _tracker_with([10, 11, 12])
    tracker.ack(1, multiple=False)
    assert tracker.reset() == [11, 12]
    assert tracker.in_flight == 0
    assert tracker.sent(20, "m-20") == 1
