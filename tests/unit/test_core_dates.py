from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.dates import from_wire, parse_utc, to_iso_ms, to_wire
from tests.strategies import moments


@given(moments)
def test_wire_dates_round_trip(moment: datetime) -> None:
    text = to_wire(moment)
    assert len(text) == 19 and text[10] == "T"
    assert from_wire(text) == moment


@given(moments)
def test_every_documented_form_parses_to_the_same_instant(moment: datetime) -> None:
    plain = moment.strftime("%Y-%m-%dT%H:%M:%S")
    for form in (plain, plain + "Z", plain + ".000Z", plain + ".120", plain + "+00:00"):
        assert parse_utc(form).replace(microsecond=0) == moment


def test_milliseconds_are_kept() -> None:
    assert parse_utc("2018-04-03T14:00:49.120Z") == datetime(2018, 4, 3, 14, 0, 49, 120000, UTC)


@pytest.mark.parametrize(
    "bad", ["", "yesterday", "2018-13-01", "2018-04-03T25:00:00", "2018-04-03T10:00:00+02:00"]
)
def test_bad_dates_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_utc(bad)


def test_empty_date_is_empty_string_on_the_wire() -> None:
    assert to_wire(None) == ""
    assert from_wire("") is None


# Any moment the wire can carry: naive, UTC, or any whole-minute-or-finer offset.
ANY_MOMENT = st.datetimes(
    min_value=datetime(2, 1, 1),
    max_value=datetime(9998, 12, 31),
    timezones=st.none()
    | st.just(UTC)
    | st.builds(
        timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
    ),
)


@given(ANY_MOMENT)
def test_wire_dates_are_the_documented_format(moment: datetime) -> None:
    in_utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    assert to_wire(moment) == in_utc.strftime("%Y-%m-%dT%H:%M:%S")


@given(ANY_MOMENT)
def test_control_api_timestamps_are_iso_with_milliseconds(moment: datetime) -> None:
    in_utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    assert to_iso_ms(moment) == in_utc.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
