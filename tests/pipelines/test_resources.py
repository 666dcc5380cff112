"""Settings reach assets through resources bound to CALLSCOPE_* variables, read at run time."""

from pathlib import Path

import dagster as dg
import pytest

from data.settings import get_settings
from pipelines.resources import (
    LandingResource,
    ModelsResource,
    QuarantineLimitResource,
    build_resources,
)


def test_paths_default_to_the_settings_and_follow_a_given_home(callscope_home, tmp_path):
    assert LandingResource().path() == get_settings().landing_dir
    assert ModelsResource().path() == get_settings().models_dir
    assert LandingResource(home=str(tmp_path)).path() == tmp_path / "landing"
    assert ModelsResource(home=str(tmp_path)).path() == tmp_path / "models"


def test_the_quarantine_limit_is_read_and_checked(callscope_home):
    assert QuarantineLimitResource().get() == get_settings().quarantine_max_share
    assert QuarantineLimitResource(max_share="0.2").get() == pytest.approx(0.2)
    for bad in ("1.5", "-0.1", "lots", "nan"):
        with pytest.raises(dg.Failure, match="quarantine max share must be from 0 to 1"):
            QuarantineLimitResource(max_share=bad).get()


def test_build_resources_binds_the_home_as_an_environment_variable(callscope_home, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_HOME", str(callscope_home))
    monkeypatch.setenv("CALLSCOPE_QUARANTINE_MAX_SHARE", "0.3")
    resources = build_resources()
    landing = resources["landing"]
    assert isinstance(landing.home, dg.EnvVar)
    assert landing.home.env_var_name == "CALLSCOPE_HOME"

    @dg.asset
    def where(landing: LandingResource, quarantine_limit: QuarantineLimitResource) -> None:
        assert landing.path() == Path(callscope_home) / "landing"
        assert quarantine_limit.get() == pytest.approx(0.3)

    assert dg.materialize([where], resources=resources).success


def test_notification_settings_keep_the_rest_and_take_what_is_given(callscope_home, tmp_path):
    from pipelines.resources import NotificationsResource

    given = NotificationsResource(
        home=str(tmp_path), public_url="https://calls.example.ru", smtp_port=2525
    )
    settings = given.settings()
    assert settings.home == tmp_path
    assert settings.notifications_public_url == "https://calls.example.ru"
    assert settings.smtp_port == 2525
    assert settings.notifications_timeout == get_settings().notifications_timeout
    assert given.policy().smtp_port == 2525
    assert NotificationsResource().settings() == get_settings()
