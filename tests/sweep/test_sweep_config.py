"""Sweep configuration, point ids, the sign-rule method, and CLI input errors (no Dask)."""

from __future__ import annotations

import numpy as np
import pytest

from flavomon.distributions import benchmark
from flavomon.errors import FlavomonInputError
from flavomon.grids import VelocityGrid
from flavomon.sweep import METHODS, execute_point, load_config, parse_config

from .conftest import run_cli, write_config

BASE = {
    "sweep": {"methods": ["signrule"], "Nv": 16},
    "distributions": [{"family": "benchmark", "a": {"start": 0.35, "stop": 0.95, "num": 7}}],
}


def _cfg(**over):
    raw = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in BASE.items()}
    for k, v in over.items():
        raw[k] = v
    return raw


def test_family_range_list_and_specs(tmp_path):
    (tmp_path / "tabs").mkdir()
    v = np.linspace(-1, 1, 20)
    (tmp_path / "tabs" / "lin.csv").write_text("v,D\n" + "\n".join(f"{x:.17g},{0.2 + 0.5 * x:.17g}" for x in v))
    cfg = parse_config(
        {
            "sweep": {"methods": ["signrule", "_probe"], "Nv": 16},
            "distributions": [
                {"family": "benchmark", "a": {"start": 0.35, "stop": 0.95, "num": 7}},
                {"family": "shallow", "a": [0.9, 0.95]},
                {"specs": ["isotropic:D0=1"]},
                {"tables": "tabs"},
            ],
        },
        base_dir=tmp_path,
    )
    labels = [d.label for d in cfg.distributions]
    assert labels[:7] == [f"benchmark:a={a!r}" for a in (0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95)]
    assert labels[7:] == ["shallow:a=0.9", "shallow:a=0.95", "isotropic:D0=1.0", "lin.csv"]
    assert len(cfg.points) == 2 * 11
    t = cfg.distributions[-1]
    assert t.family == "table" and len(t.table_v) == 20  # the data travels with the task
    ids = [p.point_id for p in cfg.points]
    assert len(set(ids)) == len(ids)
    assert all("/" not in i and " " not in i for i in ids)


def test_point_ids_are_content_addressed():
    a = parse_config(_cfg())
    b = parse_config(_cfg())
    assert [p.point_id for p in a.points] == [p.point_id for p in b.points]
    c = parse_config(_cfg(sweep={"methods": ["signrule"], "Nv": 18}))
    assert not {p.point_id for p in a.points} & {p.point_id for p in c.points}, "Nv must change the id"
    d = parse_config(_cfg(sweep={"methods": ["_probe"], "Nv": 16}, methods={"_probe": {"delay_s": 0.1}}))
    e = parse_config(_cfg(sweep={"methods": ["_probe"], "Nv": 16}))
    assert not {p.point_id for p in d.points} & {p.point_id for p in e.points}, "options must change the id"


@pytest.mark.parametrize(
    "raw, match",
    [
        ({"distributions": BASE["distributions"]}, r"missing \[sweep\]"),
        (_cfg(sweep={"Nv": 16}), "methods is missing"),
        (_cfg(sweep={"methods": ["qlt2"]}), "unknown method 'qlt2'"),
        (_cfg(sweep={"methods": ["signrule"], "nv": 3}), r"unknown key\(s\) nv in \[sweep\]"),
        (_cfg(sweep={"methods": ["signrule"], "Nv": 1}), r"Nv must be an integer in \[2, 4000\]"),
        (_cfg(sweep={"methods": ["signrule"], "Nv": 10.5}), "Nv must be an integer"),
        (_cfg(sweep={"methods": ["signrule", "signrule"]}), "twice"),
        (_cfg(distributions=[]), "no \\[\\[distributions\\]\\]"),
        (_cfg(distributions=[{"family": "benchmark", "b": 0.3}]), "unknown parameter 'b'"),
        (_cfg(distributions=[{"family": "gauss", "a": 0.3}]), "unknown distribution 'gauss'"),
        (_cfg(distributions=[{"family": "benchmark", "a": {"start": 0.3, "stop": 0.9}}]), "start, stop, num"),
        (_cfg(distributions=[{"family": "benchmark", "a": "x"}]), "must be a number"),
        (_cfg(distributions=[{"family": "benchmark", "a": [0.5, 0.5]}]), "appears twice"),
        (_cfg(distributions=[{"spec": "a.csv", "family": "benchmark"}]), "exactly one of"),
        (_cfg(distributions=[{"tables": "nowhere"}]), "table folder .*nowhere does not exist"),
        (_cfg(methods={"qke": {"Nz": 10}}), r"\[methods.qke\] given but 'qke' is not in"),
        (_cfg(sweep={"methods": ["_probe"]}, methods={"_probe": {"delay": 1}}), "unknown option"),
        (_cfg(sweep={"methods": ["_probe"]}, methods={"_probe": {"delay_s": [1]}}), "must be a number"),
        (_cfg(extra=1), "unknown top-level key"),
    ],
)
def test_bad_config_one_line_error(raw, match):
    with pytest.raises(FlavomonInputError, match=match) as e:
        parse_config(raw)
    assert "\n" not in str(e.value)


def test_bad_table_fails_before_any_task(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "bad.csv").write_text("v,D\n" + "\n".join(f"{x},{'nan' if i == 3 else 0.1}"
                                                                  for i, x in enumerate(np.linspace(-1, 1, 10))))
    with pytest.raises(FlavomonInputError, match=r"bad.csv: non-finite value .* row 4"):
        parse_config(_cfg(distributions=[{"tables": "t"}]), base_dir=tmp_path)


def test_workflow_options_checked_against_signature():
    if "modes" not in METHODS:  # pragma: no cover - always registered
        pytest.skip("no modes method")
    pytest.importorskip("flavomon.workflows.modes")
    with pytest.raises(FlavomonInputError, match="option Nv cannot be set per method"):
        parse_config(_cfg(sweep={"methods": ["modes"]}, methods={"modes": {"Nv": 50}}))
    with pytest.raises(FlavomonInputError, match="unknown option nK"):
        parse_config(_cfg(sweep={"methods": ["modes"]}, methods={"modes": {"nK": 50}}))
    with pytest.raises(FlavomonInputError, match="option n_K must be a number"):
        parse_config(_cfg(sweep={"methods": ["modes"]}, methods={"modes": {"n_K": "many"}}))
    cfg = parse_config(_cfg(sweep={"methods": ["modes"]}, methods={"modes": {"n_K": 51}}))
    assert cfg.method_options["modes"] == {"n_K": 51}


def test_signrule_zeroes_the_flipped_side():
    """Sign rule [docs §6]: D_v -> 0 where sign(D_v) != sign(D_0) (v > v_c for a = 0.7)."""
    cfg = parse_config(_cfg(distributions=[{"family": "benchmark", "a": 0.7}], sweep={"methods": ["signrule"],
                                                                                       "Nv": 64}))
    rec = execute_point(cfg.points[0], "test")
    assert rec["status"] == "ok", rec.get("traceback")
    g = VelocityGrid(64)
    D = benchmark(0.7).on_grid(g.v)
    vc = 1 - np.sqrt(-np.log(0.7) / 2)  # docs §8.1
    assert np.array_equal(rec["D_final"][g.v > vc], np.zeros((g.v > vc).sum()))
    assert np.array_equal(rec["D_final"][g.v < vc], D[g.v < vc])
    # the lepton number removed is the flipped-side integral of Table A (0.08142812 for a = 0.7),
    # here by 64-node quadrature of a function with a kink at v_c: agreement to ~1e-3
    removed = rec["D0_initial"] - rec["D0_final"]
    assert removed == pytest.approx(0.08142812, rel=2e-2), removed


def test_execute_point_records_failure():
    cfg = parse_config(_cfg(sweep={"methods": ["_probe"], "Nv": 8}, methods={"_probe": {"fail": True}}))
    rec = execute_point(cfg.points[0], "test")
    assert rec["status"] == "failed"
    assert rec["error"].startswith("RuntimeError: _probe asked to fail")
    assert "Traceback" in rec["traceback"]


def test_cli_bad_inputs_write_nothing(tmp_path):
    cfg = write_config(tmp_path / "c.toml", '[sweep]\nmethods = ["signrule"]\n[[distributions]]\nspecs = ["benchmark:a=0.9"]\n')
    r = run_cli("sweep", str(cfg), "--out", str(tmp_path / "no" / "such" / "dir"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "does not exist" in r.stderr
    assert not (tmp_path / "no").exists()
    bad = write_config(tmp_path / "bad.toml", "[sweep\nmethods=1")
    r = run_cli("sweep", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "not valid TOML" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "o").exists()
    r = run_cli("sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "does not exist" in r.stderr
    (tmp_path / "afile").write_text("x")
    r = run_cli("sweep", str(cfg), "--out", str(tmp_path / "afile"))
    assert r.returncode == 2 and "not a directory" in r.stderr


def test_load_config_relative_tables(tmp_path):
    (tmp_path / "sub").mkdir()
    v = np.linspace(-1, 1, 12)
    (tmp_path / "sub" / "t.csv").write_text("v,D\n" + "\n".join(f"{x:.17g},{0.3 - x:.17g}" for x in v))
    cfg = write_config(tmp_path / "c.toml", '[sweep]\nmethods = ["signrule"]\n[[distributions]]\ntable = "sub/t.csv"\n')
    c = load_config(cfg)
    assert c.distributions[0].label == "t.csv" and c.distributions[0].family == "table"


def test_qke_backend_fixed_on_the_client_and_in_the_id():
    """The fastest installed back-end is resolved when the config is read, so it is in the point id."""
    from flavomon.qke import default_backend

    base = _cfg(distributions=[{"family": "benchmark", "a": 0.9}], sweep={"methods": ["qke"], "Nv": 16})
    auto = parse_config(base)
    assert auto.points[0].options["backend"] == default_backend()
    other = "numpy" if default_backend() == "jax" else "jax"
    explicit = parse_config({**base, "methods": {"qke": {"backend": other}}})
    assert explicit.points[0].options["backend"] == other
    assert explicit.points[0].point_id != auto.points[0].point_id  # back-ends agree to 1e-10, not bit for bit
    same = parse_config({**base, "methods": {"qke": {"backend": default_backend()}}})
    assert same.points[0].point_id == auto.points[0].point_id


def test_gamma_max_is_growth_rate_max_of_the_initial_distribution():
    """gamma_max of a QLT point is flavomon.linear.growth_rate_max on the sweep grid, not a K-grid maximum."""
    from flavomon.distributions import from_spec
    from flavomon.linear import growth_rate_max

    cfg = parse_config(_cfg(distributions=[{"family": "benchmark", "a": 0.9}],
                            sweep={"methods": ["qlt"], "Nv": 24},
                            methods={"qlt": {"t_end": 4.0, "n_K": 120, "dt_out": 2.0}}))
    rec = execute_point(cfg.points[0], "test")
    assert rec["status"] == "ok", rec.get("error")
    g, K_at, _ = growth_rate_max(from_spec("benchmark:a=0.9"), Nv=24)
    # the same function on the same input: exact equality
    assert (rec["gamma_max"], rec["K_at_gamma_max"]) == (g, K_at)
    assert rec["attrs"].get("gamma_max_source", "").startswith("flavomon.linear.growth_rate_max")
