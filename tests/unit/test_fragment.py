"""Reading launch locations (`core/launch_reader.read_location`): what the vendor's page
reads (`params`), what the LMS meant (`repaired`, the values of a corrected URL and of
lenient mode), each fault between them with its code; and the browser's `URLSearchParams`
decoding it rests on. The whole-URL reader is tested in test_core_launch.py."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.core.diagnostics import Severity
from simulator.core.launch import PARAMETERS
from simulator.core.launch_reader import read_location, referrer_warnings
from simulator.core.url_search_params import get, parse_form, to_usv

ERROR, WARNING = Severity.ERROR, Severity.WARNING
ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# Any Unicode text (URL metacharacters included) except what is indistinguishable
# from double encoding: a value that itself holds a percent escape like "%41".
values = st.text(max_size=40).filter(lambda v: not ESCAPE.search(v))
launch_params = st.fixed_dictionaries({name: values for name in PARAMETERS})


def encode(params: dict[str, str], *, quote_via=quote, joiner: str = "&") -> str:
    return joiner.join(f"{k}={quote_via(v, safe='')}" for k, v in params.items())


def codes(parsed) -> list[str]:
    return [d.code for d in parsed.diagnostics]


@given(launch_params, st.randoms())
def test_values_round_trip_through_url_encoding(params: dict[str, str], rnd) -> None:
    """Whatever the LMS encodes once with %XX comes back exactly, in any order, silently."""
    items = list(params.items())
    rnd.shuffle(items)
    reading = read_location("#/?" + encode(dict(items)))
    assert dict(reading.params) == dict(reading.repaired) == params
    assert reading.diagnostics == ()


@given(launch_params)
def test_plus_for_space_in_fn_is_read_as_a_space_with_a_warning(params: dict[str, str]) -> None:
    """`+` in `fn` is a space, as URLSearchParams reads it; a warning, not an error."""
    query = encode({k: v for k, v in params.items() if k != "fn"})
    reading = read_location(f"#/?fn={quote_plus(params['fn'], safe='')}&{query}")
    assert dict(reading.repaired) == params
    assert ("plus_in_fn" in codes(reading)) == (" " in params["fn"])
    assert set(codes(reading)) <= {"plus_in_fn"}
    assert all(d.severity == WARNING for d in reading.diagnostics)


@given(launch_params)
def test_double_encoded_values_are_errors_and_the_meant_value_is_recovered(
    params: dict[str, str],
) -> None:
    twice = {k: quote(v, safe="") for k, v in params.items()}
    reading = read_location("#/?" + encode(twice))
    assert dict(reading.repaired) == params
    doubled = {d.field for d in reading.diagnostics if d.code == "double_encoded"}
    assert doubled == {k for k, v in params.items() if quote(v, safe="") != v}
    assert all(d.severity == ERROR for d in reading.diagnostics)


@given(launch_params)
def test_html_escaped_ampersands_are_an_error(params: dict[str, str]) -> None:
    reading = read_location("#/?" + encode(params, joiner="&amp;"))
    first = next(iter(params))
    assert dict(reading.params) == {first: params[first]}  # the others read as `amp;em`, …
    assert dict(reading.repaired) == params
    assert codes(reading) == ["html_escaped_ampersand"]


@given(launch_params, st.sampled_from(["#?", "#", "#/", "#//?"]))
def test_fragment_without_slash_question_reads_nothing(params: dict[str, str], prefix: str) -> None:
    reading = read_location(prefix + encode(params))
    assert dict(reading.params) == {}
    assert dict(reading.repaired) == params
    assert codes(reading) == ["missing_hash_slash"]


@given(launch_params, st.sets(st.sampled_from(PARAMETERS), min_size=1))
def test_parameters_before_the_hash_are_not_read(params: dict[str, str], early: set[str]) -> None:
    """Vendor doc: the query string "must come after /#/": what precedes the `#` is missed."""
    after = {k: v for k, v in params.items() if k not in early}
    before = {k: v for k, v in params.items() if k in early}
    reading = read_location("#/?" + encode(after), "?" + encode(before))
    assert dict(reading.params) == after
    assert dict(reading.repaired) == params
    (diagnostic,) = reading.diagnostics
    assert (diagnostic.code, diagnostic.severity) == ("parameters_before_hash", ERROR)
    assert all(name in diagnostic.message for name in early)
    assert "before the '#'" in diagnostic.message


@given(launch_params)
def test_parameters_on_both_sides_use_the_fragment_and_still_fail(params: dict[str, str]) -> None:
    reading = read_location("#/?" + encode(params), "?" + encode(params))
    assert dict(reading.params) == params
    assert [(d.code, d.severity) for d in reading.diagnostics] == [
        ("parameters_before_hash", ERROR)
    ]


@given(st.sampled_from(PARAMETERS), values, values)
def test_a_repeated_parameter_reads_its_first_value_and_fails(
    name: str, first: str, second: str
) -> None:
    reading = read_location(f"#/?{name}={quote(first, safe='')}&{name}={quote(second, safe='')}")
    assert reading.params[name] == first
    assert codes(reading) == ["repeated_parameter"]


@given(st.sampled_from(["lmsid", "LMSID", "Reg", "EM", "email", "domain", "registration"]), values)
def test_misspelled_names_are_not_read_but_named(name: str, value: str) -> None:
    reading = read_location(f"#/?{name}={quote(value, safe='')}")
    assert dict(reading.params) == {}
    (diagnostic,) = reading.diagnostics
    assert (diagnostic.code, diagnostic.severity) == ("misnamed_parameter", ERROR)
    assert diagnostic.field in PARAMETERS and diagnostic.field in reading.repaired


@given(st.text(max_size=200), st.text(max_size=200))
def test_any_text_gives_an_answer_never_an_exception(hash_: str, search: str) -> None:
    reading = read_location(hash_, search)
    assert set(reading.params) <= set(PARAMETERS)
    assert all(d.severity in (WARNING, ERROR) for d in reading.diagnostics)


@given(
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,10}){1,2}", fullmatch=True),
    st.from_regex(r"[a-z]{1,10}\.[a-z]{2,5}", fullmatch=True),
)
def test_referrer_from_another_site_than_dom_is_flagged(dom: str, other: str) -> None:
    assume(other != dom and not other.endswith("." + dom) and not dom.endswith("." + other))
    same = referrer_warnings(f"https://{dom}/lms/course/1", dom)
    sub = referrer_warnings(f"https://portal.{dom}/", dom)
    elsewhere = referrer_warnings(f"https://{other}/", dom)
    assert same == [] and len(sub) == 1  # dom must be the host launched from, subdomain included
    assert [(d.code, d.severity) for d in elsewhere] == [("referrer_mismatch", WARNING)]


def test_the_vendor_documented_example_reads_cleanly() -> None:
    """Vendor doc example: .../#/?reg=registration&em=email&fn=firstName%20lastName&dom=..."""
    reading = read_location(
        "#/?reg=registration&em=email&fn=firstName%20lastName&dom=domain&lmsId=lmsId"
    )
    assert dict(reading.params) == {
        "reg": "registration",
        "em": "email",
        "fn": "firstName lastName",
        "dom": "domain",
        "lmsId": "lmsId",
    }
    assert reading.diagnostics == ()


def test_empty_location_reads_nothing_and_says_nothing() -> None:
    assert read_location("", "") == read_location("#/")
    assert dict(read_location("").params) == {}


def test_plus_in_an_email_reads_as_a_space_and_fails() -> None:
    """D-L1: `em=ada+lms@…` is "ada lms@…" to URLSearchParams; the LMS meant `%2B`."""
    reading = read_location("#/?em=ada+lms@example.com")
    assert reading.params["em"] == "ada lms@example.com"
    assert reading.repaired["em"] == "ada+lms@example.com"
    assert [(d.code, d.field) for d in reading.diagnostics] == [("plus_in_value", "em")]


# -- URLSearchParams (`core/url_search_params.py`): the browser's decoding ------------------

usv_text = st.text(st.characters(blacklist_categories=("Cs",)))


@given(st.lists(st.tuples(usv_text, usv_text), max_size=6))
def test_form_encoded_pairs_read_back_in_order_with_duplicates(
    pairs: list[tuple[str, str]],
) -> None:
    """What an HTML form (or Python's urlencode) serializes, URLSearchParams reads back."""
    read = parse_form(urlencode(pairs))
    assert [(p.name, p.value) for p in read] == pairs
    assert all(p.well_formed for p in read)


@given(usv_text)
def test_any_query_reads_as_pythons_form_parser_reads_it(query: str) -> None:
    """Python's parse_qsl follows the same WHATWG rules: `&`, first `=`, `+`, lenient `%`."""
    expected = parse_qsl(query, keep_blank_values=True, errors="replace")
    assert [(p.name, p.value) for p in parse_form(query)] == expected


@given(usv_text)
def test_a_value_is_well_formed_unless_a_stray_percent_or_broken_utf8(raw: str) -> None:
    """DESIGN: a malformed percent-escape leaves the parameter unreadable (stricter than
    URLSearchParams, which keeps a stray `%` and reads broken UTF-8 as U+FFFD)."""
    raw = raw.replace("&", "%26")
    (pair,) = parse_form("x=" + raw)
    stray = re.search(r"%(?![0-9A-Fa-f]{2})", raw) is not None
    try:
        unquote(raw, errors="strict")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    assert pair.well_formed == (not stray and utf8)


def test_get_is_first_and_case_sensitive() -> None:
    pairs = parse_form("reg=a&Reg=b&reg=c")
    assert get(pairs, "reg").value == "a" and get(pairs, "Reg").value == "b"
    assert get(pairs, "REG") is None


@pytest.mark.parametrize(
    ("text", "usv"),
    [("a\ud800b", "a\ufffdb"), ("\udc00", "\ufffd"), ("\ud83d\ude00", "\U0001f600"), ("é", "é")],
)
def test_lone_surrogates_become_replacement_characters_as_in_javascript(
    text: str, usv: str
) -> None:
    assert to_usv(text) == usv


# -- exactly what the vendor's page reads ----------------------------------------------------


@given(launch_params)
def test_the_page_reads_only_after_hash_slash_question(params: dict[str, str]) -> None:
    assume(all(not ESCAPE.search(v) for v in params.values()))
    assert dict(read_location("#/?" + encode(params)).params) == params
    moved = read_location("#/", "?" + encode(params))
    assert dict(moved.params) == {}
    assert [(d.code, d.severity) for d in moved.diagnostics] == [("parameters_before_hash", ERROR)]
    for prefix in ("#?", "#"):
        slashless = read_location(prefix + encode(params))
        assert dict(slashless.params) == {} and codes(slashless) == ["missing_hash_slash"]
