"""Varied registrations for Activity Progress API tests, made through the control API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from simulator.client import SimulatorClient

ACME = {"dom": "localhost", "lms": "ACME-STG-7701"}
GLOBEX = {"dom": "lms.globex.example", "lms": "GLOBEX-STG-4410"}
ACME_TOKEN = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"
GLOBEX_TOKEN = "3c0a5b7e-9d2f-4e61-8a47-2b9c1d0e5f63"

# Mixed case, particles, shared last names (ties), non-ASCII letters.
NAMES = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "juan de la Cruz",
    "Eugène Delacroix",
    "Jan van Dijk",
    "Siobhan O'Brien",
    "Zoë Smith",
    "John Smith",
    "jane smith",
    "Björn Müller",
    "Ana MULLER",
    "Li Wei",
    "Émile Zola",
    "Mary Ann Evans",
]
COURSES = [
    "workplace-safety",
    "data-privacy",
    "cyber-hygiene",
    "inclusive-leadership",
    "customer-service",
    "safety-webinar-live",
]


@dataclass
class Dataset:
    """What was created, and when each registration last changed (the date filter's field)."""

    regs: list[str] = field(default_factory=list)
    last_activity: dict[str, str] = field(default_factory=dict)


def activity_now(sim: SimulatorClient) -> str:
    """The clock's time as a record's last activity keeps it: to the whole second.

    Records carry second-precision dates, as the vendor's do, and `startDate`/`endDate`
    are compared with that. The session's clock may stand at a fraction of a second
    (another test advanced it so): the expectation must drop it as the record does.
    """
    return sim.clock()["now"][:19] + ".000Z"


def build(
    sim: SimulatorClient, count: int = 30, org: dict[str, str] = ACME, tag: str = ""
) -> Dataset:
    """`count` registrations at varied progress, each step an hour of virtual time apart."""
    data = Dataset()
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        first = name.split(" ", 1)[0]
        email = f"{first.encode('ascii', 'ignore').decode().lower()}.{tag}{i}@Example.com"
        reg = str(uuid.uuid4())
        sent = reg.upper() if i % 4 == 0 else reg  # records carry it in lower case (D-L4)
        course = COURSES[i % len(COURSES)]
        sim.launch(course, sent, email, name, org["dom"], org["lms"])
        data.regs.append(reg)
        data.last_activity[reg] = activity_now(sim)
        kind = i % 3
        if kind == 1:
            sim.advance(600)
            sim.set_progress(sent, 50)
            data.last_activity[reg] = activity_now(sim)
        elif kind == 2:
            sim.advance(600)
            sim.complete(sent)
            data.last_activity[reg] = activity_now(sim)
        sim.advance(3600)
    return data


def all_records(sim: Any, **fields: Any) -> list[dict[str, Any]]:
    answer = sim.report(number=1000, **fields)
    assert answer.status == 200, answer.body
    assert int(answer.headers["X-Media77-Sim-Total-Count"]) == len(answer.body)
    return answer.body
