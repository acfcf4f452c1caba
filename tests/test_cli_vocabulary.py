"""One vocabulary across commands: an option name means one quantity, with one type and one set of choices."""

from __future__ import annotations

from collections import defaultdict

from flavomon.cli.main import build_parser


def _options():
    p = build_parser()
    sub = next(a for a in p._actions if a.__class__.__name__ == "_SubParsersAction")
    out = defaultdict(dict)  # option string -> {command: action}
    for name, sp in sub.choices.items():
        for a in sp._actions:
            for opt in a.option_strings:
                if opt not in ("-h", "--help"):
                    out[opt][name] = a
    return out


def test_shared_options_have_one_type_and_one_set_of_choices():
    opts = _options()
    shared = {o: cmds for o, cmds in opts.items() if len(cmds) > 1}
    # the quantities several commands share (a test that sees none would pass vacuously)
    for must in ("--distribution", "--Nv", "--t-end", "--dt-out", "--out", "--no-progress", "--backend",
                 "--seed", "--realizations", "--K-min", "--K-max", "--Nz", "--L", "--n-K"):
        assert must in shared, must
    for opt, cmds in shared.items():
        acts = list(cmds.values())
        # a flag is a flag whether the command stores it as no_progress=True or progress=False
        kinds = {("flag" if type(a).__name__ in ("_StoreTrueAction", "_StoreFalseAction") else type(a).__name__,
                  getattr(a.type, "__name__", a.type), tuple(a.choices or ())) for a in acts}
        assert len(kinds) == 1, (opt, {c: k for c, k in zip(cmds, kinds)})


def test_K_is_physical_everywhere_and_the_shifted_k_has_its_own_name():
    opts = _options()
    # physical K: the same option (and the same destination) in modes and qlt
    assert set(opts["--K-min"]) >= {"modes", "qlt"} and set(opts["--K-max"]) >= {"modes", "qlt"}
    assert {a.dest for a in opts["--K-min"].values()} == {"K_min"}
    # the shifted k = K + D1 exists only for qlt, and its help says it is not the box K
    assert set(opts["--k-min"]) == {"qlt"} and "SHIFTED" in opts["--k-min"]["qlt"].help
    assert "not the box K" in opts["--k-min"]["qlt"].help


def test_modes_plot_works_without_out_and_nothing_to_write_is_one_line(tmp_path, capsys):
    from flavomon.cli.main import main

    fig = tmp_path / "m.png"
    assert main(["modes", "--distribution", "benchmark:a=0.9", "--n-K", "41", "--plot", str(fig)]) == 0
    assert fig.stat().st_size > 1000 and not list(tmp_path.glob("*.nc"))
    capsys.readouterr()
    assert main(["modes", "--distribution", "benchmark:a=0.9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("flavomon modes: error: nothing to write") and len(err.strip().splitlines()) == 1, err
