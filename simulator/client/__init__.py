"""The whole control API of a running simulator, in Python (stdlib only).

    from simulator.client import SimulatorClient
    sim = SimulatorClient("http://127.0.0.1:7777")
    reg = sim.start_course("data-privacy")["registration"]
    sim.complete(reg)
    sim.advance(1)  # the webhook's bundle window, on the virtual clock

One method per control route, typed and documented; calls that must succeed
raise `SimulatorError` on a 4xx/5xx, `request()` answers any call as a
`Response` for tests of error answers. The pytest plugin's `media77_sim` is one.
"""

from __future__ import annotations

from simulator.client._http import HasUrl, Response, SimulatorError
from simulator.client._learners import LaunchFilters, LaunchResult, LearnerMethods
from simulator.client._webhooks import ReceiverLike, WebhookFields, WebhookMethods

__all__ = [
    "HasUrl",
    "LaunchFilters",
    "LaunchResult",
    "ReceiverLike",
    "Response",
    "SimulatorClient",
    "SimulatorError",
    "WebhookFields",
]


class SimulatorClient(LearnerMethods, WebhookMethods):
    """A client of one simulator: `SimulatorClient(url, admin_token=..., token=...)`.

    `url` is the base URL (or a running `Simulator`); `token` the Activity
    Progress API token `report()`, `quota()` and `set_quota()` default to
    (else the default organization's, asked for once and kept until `reset()`).

    Methods, by area:
    - simulator: `health`, `reset`, `openapi`, `clock`, `now`, `advance`, `set_clock`
    - catalog and organizations: `catalog`, `organizations`, `default_organization`,
      `add_organization`
    - launches: `launch`, `launch_url`, `start_course`, `open`, `check_url`, `launches`
    - registrations: `registrations`, `registration`, `set_progress`, `complete`,
      `complete_lesson`, `register_event`, `attend_event`
    - Activity Progress API and quota: `report`, `quota`, `quotas`, `set_quota`
    - webhooks: `add_webhook`, `add_receiver_webhook`, `webhooks`, `webhook`,
      `update_webhook`, `delete_webhook`, `outage`, `outages`, `clear_outages`,
      `deliveries`, `wait_for_deliveries`, `missed`
    - any other call: `request` (never raises on status), `call` (must succeed)
    """
