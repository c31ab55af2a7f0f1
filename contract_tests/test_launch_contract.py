"""Contract: course launch (vendor doc courses-api.txt)."""

import uuid

from simulator.pytest_plugin import SimHelper


def test_same_registration_resumes_where_the_learner_left_off(sim: SimHelper) -> None:
    """courses-api.txt, Typical Use Case: "your system should reuse the same UUID ...
    User is able to resume the course from where they left off earlier." """
    reg = str(uuid.uuid4())
    first = sim.start_course("data-privacy", reg=reg)
    sim.set_progress(reg, 50)
    again = sim.start_course("data-privacy", reg=reg)
    assert again["registration"] == first["registration"]
    assert again["progress"] == 50


def test_production_lmsid_is_refused_on_staging(sim: SimHelper) -> None:
    """courses-api.txt, Important Checklists: "Make sure you are using the staging LMSID
    when you are testing your integration." """
    org = sim.default_organization()
    answer = sim.request(
        "POST",
        "/_sim/registrations",
        {
            "courseId": "data-privacy",
            "reg": str(uuid.uuid4()),
            "em": "ada@example.com",
            "fn": "Ada Lovelace",
            "dom": "localhost",
            "lmsId": org["lmsIds"]["production"],
        },
    )
    assert answer.status == 400
    assert "production LMSID" in answer.body["message"]
