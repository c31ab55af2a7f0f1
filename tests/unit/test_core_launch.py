"""The strict launch reader (`core/launch_url.py`): what the vendor's hash-routed page reads.

DESIGN "Launch: read exactly as the vendor's page reads it"; vendor doc (Courses API):
"When appending query string data to the course URL, it must come after /#/",
example `https://sample.com/#/?reg=registration&em=email&fn=firstName%20lastName&...`.
URLs here are built with the test's own encoder (encodeURIComponent's rules), not the
implementation's.
"""

from __future__ import annotations

import random
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.core.launch_url import LaunchReading, read_launch_location, read_launch_url
from tests.strategies import ORGS, labels, local_parts, name_words, valid_launches

BASE = "http://127.0.0.1:7777"
COURSES = {"c1", "c2"}
KW = {"organizations": ORGS, "environment": "staging", "course_ids": COURSES}
ORDER = ("reg", "em", "fn", "dom", "lmsId")


def component(value: str) -> str:
    """encodeURIComponent, written out independently of the implementation."""
    return quote(value, safe="-_.!~*'()")


def query(params: dict[str, str], encode=component, joiner: str = "&", only=ORDER) -> str:
    """The query, `encode` applied to the values named in `only`, the others done right."""
    return joiner.join(
        f"{name}={(encode if name in only else component)(params[name])}" for name in params
    )


def url(q: str, *, fragment: str = "#/?", course: str = "c1") -> str:
    return f"{BASE}/courses/{course}/{fragment}{q}"


def read(u: str, **extra) -> LaunchReading:
    return read_launch_url(u, **{**KW, **extra})


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def assert_diagnosed_and_fixed(u: str, params: dict[str, str], code: str) -> None:
    """The fault fails the launch under its code; the corrected URL launches the meant values;
    lenient mode repairs it to the same values, with the code as a warning."""
    reading = read(u)
    assert not reading.ok and reading.launch is None
    assert code in codes(reading.problems), reading.diagnostics
    problem = next(d for d in reading.problems if d.code == code)
    assert problem.severity == "error" and problem.message
    assert reading.fixed_url is not None
    fixed = read(reading.fixed_url)
    assert fixed.ok and fixed.diagnostics == (), fixed.diagnostics
    assert dict(fixed.params) == params
    lenient = read(u, lenient=True)
    assert lenient.ok and dict(lenient.params) == params
    assert code in codes(lenient.warnings) and not lenient.problems


@given(valid_launches(), st.booleans(), st.randoms(use_true_random=False))
def test_a_documented_url_reads_back_exactly_those_parameters(
    params: dict[str, str], literal_at: bool, rnd: random.Random
) -> None:
    """Any valid launch, encoded as documented (`%20`; `@` as %40 or literal), in any order."""
    items = list(params.items())
    rnd.shuffle(items)

    def encode(value: str) -> str:
        return component(value).replace("%40", "@") if literal_at else component(value)

    reading = read(url(query(dict(items), encode)))
    assert dict(reading.params) == params
    assert reading.ok and reading.diagnostics == () and reading.fixed_url is None
    assert reading.launch is not None
    assert (reading.launch.reg, reading.launch.email) == (params["reg"], params["em"])
    assert f"{reading.launch.first_name} {reading.launch.last_name}" == params["fn"]


@given(valid_launches(), st.sampled_from(["#/", "#", ""]))
def test_the_same_query_before_the_hash_reads_nothing(params: dict[str, str], tail: str) -> None:
    u = f"{BASE}/courses/c1/?{query(params)}{tail}"
    assert dict(read(u).params) == {}
    assert_diagnosed_and_fixed(u, params, "parameters_before_hash")


@given(valid_launches(), st.sampled_from(ORDER))
def test_a_parameter_before_the_hash_is_missed(params: dict[str, str], early: str) -> None:
    after = {k: v for k, v in params.items() if k != early}
    u = f"{BASE}/courses/c1/?{early}={component(params[early])}#/?{query(after)}"
    reading = read(u)
    assert dict(reading.params) == after
    (problem,) = reading.problems
    assert (problem.code, problem.field) == ("parameters_before_hash", early)
    assert_diagnosed_and_fixed(u, params, "parameters_before_hash")


@given(valid_launches(), st.sampled_from(["#?", "#", "#//?", "#!/?", "#/"]))
def test_a_fragment_not_starting_with_slash_question_reads_nothing(
    params: dict[str, str], prefix: str
) -> None:
    u = url(query(params), fragment=prefix)
    assert dict(read(u).params) == {}
    assert_diagnosed_and_fixed(u, params, "missing_hash_slash")


@given(valid_launches(), st.sampled_from(["&amp;", "&amp;amp;", "&AMP;"]))
def test_html_escaped_ampersands_hide_the_parameters(params: dict[str, str], joiner: str) -> None:
    u = url(query(params, joiner=joiner))
    assert set(read(u).params) == {next(iter(params))}
    assert_diagnosed_and_fixed(u, params, "html_escaped_ampersand")


@given(valid_launches(st.tuples(local_parts, local_parts).map("+".join)))
def test_a_plus_sign_in_em_is_read_as_a_space(params: dict[str, str]) -> None:
    """`em=ada+tag%40example.com` reads "ada tag@example.com" with URLSearchParams."""
    u = url(query(params, lambda v: component(v).replace("%2B", "+"), only=("em",)))
    assert read(u).params["em"] == params["em"].replace("+", " ")
    assert_diagnosed_and_fixed(u, params, "plus_in_value")


def test_the_issue_example_of_a_plus_in_em() -> None:
    reading = read(
        url(
            "reg=0d6f3f3c-3f7b-4a43-9a53-2a1f8a4b5c6d&em=ada+tag%40example.com"
            "&fn=Ada%20Lovelace&dom=localhost&lmsId=ACME-STG"
        )
    )
    assert reading.params["em"] == "ada tag@example.com"
    assert [(d.code, d.field) for d in reading.problems] == [("plus_in_value", "em")]
    assert reading.fixed_url is not None and "em=ada%2Btag%40example.com" in reading.fixed_url


@given(valid_launches(), st.integers(2, 3))
def test_values_encoded_more_than_once_are_diagnosed(params: dict[str, str], times: int) -> None:
    def encode(value: str) -> str:
        for _ in range(times):
            value = component(value)
        return value

    u = url(query(params, encode))
    reading = read(u)
    assert reading.params["fn"] != params["fn"]  # fn has a space: it reads as %20 or worse
    assert {"em", "fn"} <= {d.field for d in reading.problems if d.code == "double_encoded"}
    assert_diagnosed_and_fixed(u, params, "double_encoded")


@given(valid_launches(), name_words)
def test_a_stray_percent_sign_leaves_the_value_unreadable(
    params: dict[str, str], word: str
) -> None:
    params = {**params, "fn": f"{params['fn']} {word}%"}
    u = url(query(params, lambda v: component(v).replace("%25", "%"), only=("fn",)))
    reading = read(u)
    assert "fn" not in reading.params
    assert [(d.code, d.field) for d in reading.problems] == [("bad_percent_encoding", "fn")]
    assert_diagnosed_and_fixed(u, params, "bad_percent_encoding")


@given(valid_launches(), st.text(st.characters(min_codepoint=0xC0, max_codepoint=0xFF), min_size=1))
def test_latin_1_escapes_leave_the_value_unreadable(params: dict[str, str], word: str) -> None:
    encoded = quote(word, safe="", encoding="latin-1")
    try:
        bytes.fromhex(encoded.replace("%", "")).decode("utf-8")
        assume(False)  # by chance also valid UTF-8: not this fault
    except UnicodeDecodeError:
        pass
    params = {**params, "fn": f"{params['fn']}{word}"}
    u = url(query(params, lambda v: encoded.join(map(component, v.split(word))), only=("fn",)))
    assert "fn" not in read(u).params
    assert_diagnosed_and_fixed(u, params, "bad_percent_encoding")


@given(
    valid_launches(),
    st.sampled_from(
        [
            ("reg", "Reg"),
            ("reg", "REG"),
            ("em", "email"),
            ("em", "Em"),
            ("fn", "name"),
            ("dom", "domain"),
            ("lmsId", "lmsid"),
            ("lmsId", "LMSID"),
            ("lmsId", "lms_id"),
        ]
    ),
)
def test_misnamed_parameters_are_not_read(params: dict[str, str], names: tuple[str, str]) -> None:
    right, wrong = names
    u = url(query(params).replace(f"{right}=", f"{wrong}=", 1))
    reading = read(u)
    assert right not in reading.params
    assert [(d.code, d.field) for d in reading.problems] == [("misnamed_parameter", right)]
    assert wrong in reading.problems[0].message
    assert_diagnosed_and_fixed(u, params, "misnamed_parameter")


@given(valid_launches(), st.sampled_from(ORDER), labels)
def test_a_repeated_parameter_fails_and_the_first_value_is_kept(
    params: dict[str, str], name: str, other: str
) -> None:
    u = url(f"{query(params)}&{name}={other}")
    assert dict(read(u).params) == params  # URLSearchParams.get reads the first
    assert_diagnosed_and_fixed(u, params, "repeated_parameter")


@given(valid_launches())
def test_plus_for_the_space_in_fn_is_a_warning_only(params: dict[str, str]) -> None:
    u = url(query(params, lambda v: component(v).replace("%20", "+"), only=("fn",)))
    reading = read(u)
    assert reading.ok and dict(reading.params) == params
    assert "plus_in_fn" in codes(reading.warnings)
    assert reading.fixed_url is not None and dict(read(reading.fixed_url).params) == params


@given(valid_launches())
def test_reg_in_upper_case_launches_in_lower_case_with_a_warning(params: dict[str, str]) -> None:
    upper = {**params, "reg": params["reg"].upper()}
    reading = read(url(query(upper)))
    assert reading.ok and reading.launch is not None
    assert reading.launch.reg == params["reg"]
    assert codes(reading.warnings) == ["reg_upper_case"]
    assert reading.fixed_url is not None and dict(read(reading.fixed_url).params) == params


@given(valid_launches(), labels)
def test_a_referrer_other_than_dom_warns(params: dict[str, str], sub: str) -> None:
    """Vendor doc: dom "is the domain that you are launching the activity from. Please include
    subdomains" — so a launch from a subdomain of dom is flagged too."""
    u = url(query(params))
    same = read(u, referrer=f"https://{params['dom'].upper()}:8443/lms/course/1")
    sub_site = read(u, referrer=f"https://{sub}.{params['dom']}/")
    assert same.ok and same.diagnostics == ()
    assert sub_site.ok and codes(sub_site.warnings) == ["referrer_mismatch"]


def test_a_production_lmsid_is_rejected_and_the_fix_uses_the_staging_one() -> None:
    params = {
        "reg": "0d6f3f3c-3f7b-4a43-9a53-2a1f8a4b5c6d",
        "em": "ada@example.com",
        "fn": "Ada Lovelace",
        "dom": "localhost",
        "lmsId": "ACME-PRD",
    }
    reading = read(url(query(params)))
    (problem,) = reading.problems
    assert problem.code == "wrong_environment_lms_id"
    assert "production LMSID" in problem.message and "plays staging" in problem.message
    assert reading.fixed_url is not None
    assert read(reading.fixed_url).params["lmsId"] == "ACME-STG"


def test_a_missing_parameter_has_no_corrected_url() -> None:
    params = {
        "reg": "0d6f3f3c-3f7b-4a43-9a53-2a1f8a4b5c6d",
        "em": "ada@example.com",
        "fn": "Ada Lovelace",
        "dom": "localhost",
    }
    reading = read(url(query(params).replace("&", "&amp;")))
    assert not reading.ok and reading.fixed_url is None
    assert {"html_escaped_ampersand", "missing_parameter"} <= set(codes(reading.problems))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a url",
        "ftp://x/courses/c1/#/?reg=1",
        "http:///courses/c1/",
        "http://h/other/",
        "http://[::1/courses/c1/#/?",
        "\ud800",
        "http://h/courses/\x00/#/?reg=\ud800%ZZ%C3",
    ],
)
def test_text_that_is_no_launch_url_is_a_problem_not_an_exception(text: str) -> None:
    reading = read(text)
    assert not reading.ok and reading.problems


@given(st.text(), st.one_of(st.none(), st.text()), st.booleans())
def test_any_text_gives_a_reading_never_an_exception(
    text: str, ref: str | None, lenient: bool
) -> None:
    for u in (text, url(text), url(text, fragment="?")):
        reading = read(u, referrer=ref, lenient=lenient)
        assert reading.ok or reading.problems
        assert set(reading.params) <= set(ORDER)
        reading.to_json()


def test_huge_inputs_are_read() -> None:
    """A megabyte of stray escapes, broken UTF-8 and lone surrogates: problems, promptly."""
    huge = "reg=" + "%" * 500_000 + "&em=" + "%C3" * 100_000 + "&fn=" + "\ud800" * 50_000
    reading = read(url(huge + "&amp;" * 5_000))
    assert not reading.ok and {"bad_percent_encoding"} <= set(codes(reading.problems))


@given(valid_launches(), st.sampled_from(["#?", "&amp;", "?"]))
def test_the_page_entry_point_reads_the_same_as_the_whole_url(
    params: dict[str, str], fault: str
) -> None:
    q = query(params)
    hash_, search = {
        "#?": ("#?" + q, ""),
        "&amp;": ("#/?" + q.replace("&", "&amp;"), ""),
        "?": ("#/", "?" + q),
    }[fault]
    page = read_launch_location("c1", hash_, search, "", base=BASE, **KW)
    whole = read(f"{BASE}/courses/c1/{search}{hash_}")
    assert page == whole


@given(valid_launches())
def test_an_unknown_course_fails_with_no_corrected_url(params: dict[str, str]) -> None:
    reading = read(url(query(params), course="nope"))
    assert codes(reading.problems) == ["unknown_course"] and reading.fixed_url is None
