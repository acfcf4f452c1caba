"""Checks shared by the figure tests: legends explain every labelled artist and every reference line."""

from __future__ import annotations


def legend_texts(fig) -> set[str]:
    """Every text of every legend of ``fig`` (entries and titles)."""
    out: set[str] = set()
    for leg in [a.get_legend() for a in fig.axes] + list(fig.legends):
        if leg is not None:
            out |= {t.get_text() for t in leg.get_texts()}
            out.add(leg.get_title().get_text())
    return out


def is_reference(ax, ln) -> bool:
    """A line drawn by axhline (spans the axes in x whatever the data)."""
    return ln.get_transform() is ax.get_yaxis_transform(which="grid")


def check_legends(fig) -> None:
    """Every labelled artist is a legend entry; every reference line is explained in a legend."""
    texts = legend_texts(fig)
    for ax in fig.axes:
        for art in list(ax.get_lines()) + list(ax.collections):
            lab = str(art.get_label())
            if not lab.startswith("_"):
                assert lab in texts, lab
        for ln in ax.get_lines():
            if is_reference(ax, ln):
                lab = str(ln.get_label())
                # explained: an entry, or (F2 Fig. 1's snapshot level) the legend's title
                assert lab.lstrip("_") in texts, f"unexplained reference line {lab!r}"
