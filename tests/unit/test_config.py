import pytest

from simulator.config import Config, ConfigError, build_config


def test_layers_override_in_order(tmp_path) -> None:
    toml = tmp_path / "sim.toml"
    toml.write_text(
        'port = 9000\ndaily-limit = 10\nenvironment = "production"\nclock = "virtual"\n'
    )
    env = {"MEDIA77_SIM_PORT": "9100", "MEDIA77_SIM_DAILY_LIMIT": "20"}
    config = build_config({"port": 9200}, environ=env, config_file=str(toml))
    assert config.port == 9200  # flag beats env
    assert config.daily_limit == 20  # env beats file
    assert config.environment == "production"  # file beats default
    assert config.clock == "virtual"
    assert config.host == Config().host  # default


def test_every_field_has_an_env_var() -> None:
    env = {"MEDIA77_SIM_ALLOW_INSECURE_WEBHOOKS": "true", "MEDIA77_SIM_HOST": "0.0.0.0"}
    config = build_config({}, environ=env)
    assert config.allow_insecure_webhooks is True
    assert config.base_url == "http://127.0.0.1:7777"


def test_config_file_can_come_from_the_environment(tmp_path) -> None:
    toml = tmp_path / "sim.toml"
    toml.write_text("[serve]\nport = 8123\n")
    assert build_config({}, environ={"MEDIA77_SIM_CONFIG": str(toml)}).port == 8123


@pytest.mark.parametrize(
    ("flags", "env", "message"),
    [
        ({"clock": "sundial"}, {}, "clock must be one of"),
        ({}, {"MEDIA77_SIM_PORT": "eighty"}, "MEDIA77_SIM_PORT: port must be a whole number"),
        ({"port": 70000}, {}, "port must be 0-65535"),
        ({"tls_cert": "c.pem"}, {}, "go together"),
        ({}, {"MEDIA77_SIM_ALLOW_INSECURE_WEBHOOKS": "maybe"}, "true or false"),
        ({"clock_start": "soon"}, {}, "clock-start"),
    ],
)
def test_bad_settings_say_where_they_came_from(flags, env, message) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config(flags, environ=env)


def test_bad_config_files_are_named(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("port = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        build_config({}, environ={}, config_file=str(bad))
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        build_config({}, environ={}, config_file=str(unknown))
    with pytest.raises(ConfigError, match="does not exist"):
        build_config({}, environ={}, config_file=str(tmp_path / "missing.toml"))
