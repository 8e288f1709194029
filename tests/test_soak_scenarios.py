"""The reliability suite's command line names only scenarios it can run."""

from tests.soak import run


def test_every_scenario_the_soak_offers_has_its_run():
    missing = [name for name in run.SCENARIOS if not callable(getattr(run.Soak, name, None))]
    assert not missing, f"make soak offers {', '.join(missing)} but tests/soak/run.py has no Soak.{missing[0]}()"
