from simulator.pytest_plugin import SimHelper


def test_health_answers_on_a_real_socket(sim: SimHelper) -> None:
    health = sim.health()
    assert health["status"] == "ok"
    assert health["clock"] == "virtual"
