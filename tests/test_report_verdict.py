"""report.md states a verdict per target, with the target, and calls out notable mismatches."""

from __future__ import annotations

from flavomon.report import PEAK_MISMATCH_DK, report_markdown, verdict_lines


def _result(L1, target, dK, drift=1e-13, gamma=0.11150931):
    return {
        "realizations": 20, "t_end": 500.0, "L1_qke_qlt": L1, "L1_qke_resonant": 0.0, "qke_noise_floor": 8e-4,
        "gamma_max": gamma, "K_at_gamma_max": -1.47,
        "D0_drift": {"qke": drift, "qlt": 1e-15, "qlt_resonant": 1e-2},
        "D0_final": {"qke": -1.2, "qlt": -1.2, "qlt_resonant": -1.19},
        "reference": {"gamma_max": 0.11150931, "L1_qke_qlt_target": target},
        "spectrum_peaks": {"final": {"qke": {"K": -1.0, "height": 1.0}, "qlt": {"K": -1.0 + dK, "height": 1.0}}},
    }


def test_verdicts_state_the_target_and_say_met_or_not():
    rep = {"results": {"0.9": _result(2e-3, 3e-3, 0.0), "0.7": _result(2e-2, 1.5e-2, 0.0),
                       "0.5": _result(8e-2, None, 2 * PEAK_MISMATCH_DK, drift=1e-6, gamma=0.2)}}
    lines = "\n".join(verdict_lines(rep))
    assert "a = 0.9: L1(QKE, QLT) = 0.002, target <= 0.003: **met**" in lines
    assert "a = 0.7: L1(QKE, QLT) = 0.02, target <= 0.015: **NOT met**" in lines
    assert "no accuracy target" in lines
    assert lines.count("**agrees**") == 2 and "**DIFFERS**" in lines  # gamma_max 0.2 against 0.1115...
    assert "**NOT kept**" in lines  # a D0 drift of 1e-6 is no round-off
    assert lines.count("notable:") == 1 and "peaks differ by 0.20 in K" in lines
    # a quick run missing by less than 2 noise floors (8e-4) cannot tell: not testable, not "NOT met"
    few = _result(4e-3, 3e-3, 0.0) | {"realizations": 2}
    line = verdict_lines({"results": {"0.9": few}})[0]
    assert "**not testable with 2 realizations**" in line and "F2's 20 realizations" in line
    far = _result(6e-3, 3e-3, 0.0) | {"realizations": 2}  # 3.75 noise floors above the target: a miss even with 2
    assert "**NOT met**" in verdict_lines({"results": {"0.9": far}})[0]
    md = report_markdown(rep | {"config": {}})
    assert "## Verdict" in md and md.index("## Verdict") < md.index("Spectrum peaks")


def test_report_md_defines_its_notation_and_links_existing_docs():
    """A colleague reads report.md without the code: L1, w_v, the noise floor and the other table headings are
    defined in it, and every docs page it points to exists in the repository."""
    import re
    from pathlib import Path

    from flavomon.report import NOTATION_LINES

    text = "\n".join(NOTATION_LINES)
    for term in ("**L1**", "**w_v**", "**noise floor**", "**D0 drift**", "**gamma_max**", "|psi~_{0,K}|^2", "**Nz**"):
        assert term in text, term
    root = Path(__file__).resolve().parents[1]
    pages = re.findall(r"docs/[\w/.-]+\.md", text)
    assert len(pages) >= 4
    for p in pages:
        assert (root / p).is_file(), p
