"""Reading launch locations: `parse_location` (lenient, as the service calls it today, and
`lenient=False`) and the browser's `URLSearchParams` decoding it rests on. The strict
whole-URL reader is tested in test_core_launch.py."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.core.fragment import ERROR, WARNING, parse_location
from simulator.core.launch import PARAMETERS
from simulator.core.url_search_params import get, parse_form, to_usv

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
    parsed = parse_location("#/?" + encode(dict(items)))
    assert dict(parsed.params) == params
    assert parsed.diagnostics == ()


@given(launch_params)
def test_plus_for_space_in_fn_is_read_as_a_space_with_a_warning(params: dict[str, str]) -> None:
    """`+` is a space only in `fn` (a `+` in an e-mail is plus-addressing, kept as is)."""
    query = encode({k: v for k, v in params.items() if k != "fn"})
    parsed = parse_location(f"#/?fn={quote_plus(params['fn'], safe='')}&{query}")
    assert dict(parsed.params) == params
    assert ("plus_in_fn" in codes(parsed)) == (" " in params["fn"])
    assert set(codes(parsed)) <= {"plus_in_fn"}


@given(launch_params)
def test_double_encoded_values_are_decoded_twice_and_named(params: dict[str, str]) -> None:
    twice = {k: quote(v, safe="") for k, v in params.items()}
    parsed = parse_location("#/?" + encode(twice))
    assert dict(parsed.params) == params
    doubled = {d.field for d in parsed.diagnostics if d.code == "double_encoded"}
    assert doubled == {k for k, v in params.items() if quote(v, safe="") != v}
    assert all(d.severity == WARNING for d in parsed.diagnostics)


@given(launch_params)
def test_html_escaped_ampersands_are_read_as_ampersands(params: dict[str, str]) -> None:
    parsed = parse_location("#/?" + encode(params, joiner="&amp;"))
    assert dict(parsed.params) == params
    assert codes(parsed) == ["html_escaped_ampersand"]


@given(launch_params, st.sampled_from(["#?", "#", "#/", "#//?"]))
def test_fragment_without_slash_question_is_read_with_a_warning(
    params: dict[str, str], prefix: str
) -> None:
    parsed = parse_location(prefix + encode(params))
    assert dict(parsed.params) == params
    assert codes(parsed) == ["missing_hash_slash"]


@given(launch_params, st.sets(st.sampled_from(PARAMETERS), min_size=1))
def test_parameters_before_the_hash_are_read_with_a_warning(
    params: dict[str, str], early: set[str]
) -> None:
    """Vendor doc: the query string "must come after /#/". DESIGN.md lists parameters
    before the `#` among the launch warnings: read, and flagged as what 77media misses."""
    after = {k: v for k, v in params.items() if k not in early}
    before = {k: v for k, v in params.items() if k in early}
    parsed = parse_location("#/?" + encode(after), "?" + encode(before))
    assert dict(parsed.params) == params
    (diagnostic,) = parsed.diagnostics
    assert diagnostic.code == "parameters_before_hash"
    assert diagnostic.severity == WARNING
    assert all(name in diagnostic.message for name in early)
    assert "on 77media" in diagnostic.message


@given(launch_params)
def test_parameters_on_both_sides_use_the_fragment_and_warn(params: dict[str, str]) -> None:
    parsed = parse_location("#/?" + encode(params), "?" + encode(params))
    assert dict(parsed.params) == params
    assert [(d.code, d.severity) for d in parsed.diagnostics] == [
        ("parameters_before_hash", WARNING)
    ]


@given(st.sampled_from(PARAMETERS), values, values)
def test_a_repeated_parameter_keeps_its_first_value(name: str, first: str, second: str) -> None:
    parsed = parse_location(f"#/?{name}={quote(first, safe='')}&{name}={quote(second, safe='')}")
    assert parsed.params[name] == first
    assert codes(parsed) == ["repeated_parameter"]


@given(st.sampled_from(["lmsid", "LMSID", "Reg", "EM", "email", "domain", "registration"]), values)
def test_misspelled_names_are_not_read_but_named(name: str, value: str) -> None:
    parsed = parse_location(f"#/?{name}={quote(value, safe='')}")
    assert dict(parsed.params) == {}
    (diagnostic,) = parsed.diagnostics
    assert diagnostic.code == "misnamed_parameter"
    assert diagnostic.field in PARAMETERS


@given(st.text(max_size=200), st.text(max_size=200), st.text(max_size=200))
def test_any_text_gives_an_answer_never_an_exception(hash_: str, search: str, ref: str) -> None:
    parsed = parse_location(hash_, search, ref)
    assert set(parsed.params) <= set(PARAMETERS)
    assert all(d.severity in (WARNING, ERROR) for d in parsed.diagnostics)


@given(
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,10}){1,2}", fullmatch=True),
    st.from_regex(r"[a-z]{1,10}\.[a-z]{2,5}", fullmatch=True),
)
def test_referrer_from_another_site_than_dom_is_flagged(dom: str, other: str) -> None:
    assume(other != dom and not other.endswith("." + dom) and not dom.endswith("." + other))
    same = parse_location(f"#/?dom={dom}", referrer=f"https://{dom}/lms/course/1")
    sub = parse_location(f"#/?dom={dom}", referrer=f"https://portal.{dom}/")
    elsewhere = parse_location(f"#/?dom={dom}", referrer=f"https://{other}/")
    assert same.diagnostics == () and sub.diagnostics == ()
    assert codes(elsewhere) == ["referrer_mismatch"]


def test_the_vendor_documented_example_reads_cleanly() -> None:
    """Vendor doc example: .../#/?reg=registration&em=email&fn=firstName%20lastName&dom=..."""
    parsed = parse_location(
        "#/?reg=registration&em=email&fn=firstName%20lastName&dom=domain&lmsId=lmsId"
    )
    assert dict(parsed.params) == {
        "reg": "registration",
        "em": "email",
        "fn": "firstName lastName",
        "dom": "domain",
        "lmsId": "lmsId",
    }
    assert parsed.diagnostics == ()


def test_empty_location_reads_nothing_and_says_nothing() -> None:
    assert parse_location("", "", "") == parse_location("#/")
    assert dict(parse_location("").params) == {}


def test_plus_in_an_email_is_kept() -> None:
    parsed = parse_location("#/?em=ada+lms@example.com")
    assert parsed.params["em"] == "ada+lms@example.com"
    assert parsed.diagnostics == ()


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


# -- parse_location(..., lenient=False): exactly what the vendor's page reads ---------------


@given(launch_params)
def test_strict_parse_location_reads_only_after_hash_slash_question(params: dict[str, str]) -> None:
    assume(all(not ESCAPE.search(v) for v in params.values()))
    assert dict(parse_location("#/?" + encode(params), lenient=False).params) == params
    moved = parse_location("#/", "?" + encode(params), lenient=False)
    assert dict(moved.params) == {}
    assert [(d.code, d.severity) for d in moved.diagnostics] == [("parameters_before_hash", ERROR)]
    for prefix in ("#?", "#"):
        slashless = parse_location(prefix + encode(params), lenient=False)
        assert dict(slashless.params) == {} and codes(slashless) == ["missing_hash_slash"]


@given(st.text(), st.text(), st.text())
def test_strict_parse_location_never_raises(hash_: str, search: str, ref: str) -> None:
    parsed = parse_location(hash_, search, ref, lenient=False)
    assert set(parsed.params) <= set(PARAMETERS)
