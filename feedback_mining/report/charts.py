"""The report's charts: matplotlib figures (no pyplot, no GUI backend) saved as inline SVG strings.

Charts take labels that are already words and numbers as fractions, so they know nothing of the pipeline.
Colours are colour-blind safe: Okabe-Ito for categories; the heatmap runs from white through the light half of
viridis to its dark end (lightness falls monotonically, so order reads without hue), because a heatmap of
mostly small values in plain viridis is a wall of yellow. Text stays text
(`svg.fonttype = none`), so the page is small and its words can be searched and copied; matplotlib escapes it.
matplotlib is imported on first use: the CLI and `enrich` never pay for it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
SENTIMENT_COLOURS = {"negative": "#D55E00", "neutral": "#C8C8C8", "positive": "#009E73"}
INK, MUTED = "#222222", "#666666"
WIDTH = 10.8  # inches; 72 pt each, shown at 96 px per inch: about the width of a section
STYLE = {
    "svg.fonttype": "none", "font.family": "sans-serif", "text.parse_math": False,  # "$5" is not LaTeX
    "font.sans-serif": ["DejaVu Sans", "Helvetica Neue", "Arial", "Liberation Sans"],
    "font.size": 10, "axes.edgecolor": "#999999", "axes.labelcolor": MUTED, "xtick.color": MUTED,
    "ytick.color": INK, "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 11,
    "axes.titleweight": "bold", "axes.titlelocation": "left",
}
Pct = Callable[[float], str]


def _mpl():
    import matplotlib
    from matplotlib.figure import Figure
    return matplotlib, Figure


def _render(name: str, title: str, draw) -> str:
    """Build a figure with `draw(Figure class)` under the report style and return it as inline SVG."""
    matplotlib, Figure = _mpl()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": name}):
        fig = draw(Figure)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return inline_svg(buffer.getvalue(), name, title)


def inline_svg(svg: str, name: str, title: str) -> str:
    """matplotlib's SVG file made fit for inlining: no XML prolog or DOCTYPE, no namespace URLs, ids prefixed
    with `name` (so several charts on a page never share one), a `<title>`, and a CSS-scalable size."""
    from html import escape

    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', rf'url(#{name}-\1)', svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{name}-\1"', svg)
    width = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    px = float(width.group(1)) * 96 / 72 if width else 900
    svg = re.sub(r'(<svg[^>]*?)\s+width="[^"]*"\s+height="[^"]*"', r"\1", svg, count=1)
    head = (f'<svg class="chart" role="img" aria-label="{escape(title)}" style="max-width:{px:.0f}px"')
    return svg.replace("<svg", head, 1).replace(">", f"><title>{escape(title)}</title>", 1)


def HEAT_COLOURS():
    """White -> pale green -> viridis teal -> viridis deep purple: a sequential, colour-blind-safe ramp."""
    from matplotlib import colormaps
    from matplotlib.colors import LinearSegmentedColormap

    viridis = colormaps["viridis"]
    stops = [(0.0, "#f7fbf4"), (0.25, viridis(0.78)), (0.6, viridis(0.45)), (1.0, viridis(0.0))]
    return LinearSegmentedColormap.from_list("effort", stops)


def _percent_axis(axis, pct: Pct) -> None:
    """Ticks at whole percents (1, 2, 5 or 10 apart per decade), written by the report's `pct`."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    axis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _: pct(v)))


# ---------------------------------------------------------------- charts


def interval_bars(name: str, title: str, labels: Sequence[str], values, low, high, axis_label: str, pct: Pct,
                  colour: str = OKABE_ITO[0]) -> str:
    """Horizontal bars, largest at the top, with 95% whiskers and the value written at each bar's end."""
    values = np.nan_to_num(np.asarray(values, float))
    low, high = np.asarray(low, float), np.asarray(high, float)
    has_range = ~(np.isnan(low) | np.isnan(high))
    end = np.where(has_range, np.fmax(high, values), values)

    def draw(Figure):
        fig = Figure(figsize=(WIDTH, 0.34 * len(labels) + 0.8), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(labels))
        ax.barh(y, values, height=0.64, color=colour)
        if has_range.any():
            ax.errorbar(values[has_range], y[has_range], fmt="none", ecolor=INK, elinewidth=1, capsize=2.5,
                        xerr=[values[has_range] - low[has_range], high[has_range] - values[has_range]])
        pad = max(end.max(initial=0), 1e-9) * 0.012
        for yi, x, v in zip(y, end, values):
            ax.text(x + pad, yi, pct(v), va="center", fontsize=9, color=INK)
        ax.set_yticks(y, labels)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(0, max(end.max(initial=0), 1e-9) * 1.12)
        ax.spines["left"].set_visible(False)
        _percent_axis(ax.xaxis, pct)
        ax.set_xlabel(axis_label)
        return fig
    return _render(name, title, draw)


def heatmap(name: str, title: str, matrix: pd.DataFrame, row_labels: Sequence[str], col_labels: Sequence[str],
            number: Callable[[float], str]) -> str:
    """A touchpoint x pain point heatmap of shares (darker = more), each cell written in % of the total; empty
    cells are left white."""
    values = matrix.to_numpy(float) * 100
    top = np.nanmax(values) if values.size else 1.0

    def draw(Figure):
        fig = Figure(figsize=(WIDTH, 0.42 * len(row_labels) + 1.9), layout="constrained")
        ax = fig.subplots()
        cmap = HEAT_COLOURS().with_extremes(bad="white")
        # vector cells (pcolormesh), not a raster image: crisp at any zoom, and no data: URI in the page
        ax.pcolormesh(np.ma.masked_where(values <= 0, values), cmap=cmap, vmin=0, vmax=top, edgecolors="white",
                      linewidth=2)
        for (r, c), v in np.ndenumerate(values):
            if v >= 0.05:
                ax.text(c + 0.5, r + 0.5, number(v), ha="center", va="center", fontsize=8.5,
                        color="white" if v / top > 0.45 else INK)
        ax.set_xticks(np.arange(len(col_labels)) + 0.5, col_labels, rotation=35, ha="left", rotation_mode="anchor")
        ax.set_yticks(np.arange(len(row_labels)) + 0.5, row_labels)
        ax.set_ylim(len(row_labels), 0)
        ax.xaxis.tick_top()
        ax.tick_params(which="both", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        return fig
    return _render(name, title, draw)


def sentiment_bars(name: str, title: str, panels: Sequence[tuple[str, pd.DataFrame, Sequence[str]]],
                   legend: dict[str, str], pct: Pct) -> str:
    """Side-by-side panels of 100% stacked bars (negative, neutral, positive); each panel is (title, shares with
    the sentiments as columns, row labels)."""
    rows = max((len(p[1]) for p in panels), default=1)

    def draw(Figure):
        fig = Figure(figsize=(WIDTH, 0.34 * rows + 1.2), layout="constrained")
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, (panel_title, shares, labels) in zip(axes, panels):
            y, left = np.arange(len(shares)), np.zeros(len(shares))
            for sentiment, colour in SENTIMENT_COLOURS.items():
                width = shares[sentiment].fillna(0).to_numpy(float)
                ax.barh(y, width, left=left, height=0.64, color=colour, label=legend[sentiment])
                for yi, x, w in zip(y, left, width):
                    if w >= 0.12:
                        ax.text(x + w / 2, yi, pct(w), ha="center", va="center", fontsize=8.5,
                                color=INK if sentiment == "neutral" else "white")
                left += width
            ax.set_yticks(y, labels)
            ax.set_ylim(rows - 0.5, -0.5)  # the same bar thickness in every panel
            ax.set_xlim(0, 1)
            ax.set_xticks([])
            ax.tick_params(axis="y", length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)
            ax.set_title(panel_title)
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncols=3, frameon=False)
        return fig
    return _render(name, title, draw)


def trend_lines(name: str, title: str, table: pd.DataFrame, labels: Sequence[str], axis_label: str,
                pct: Pct) -> str:
    """One line per column of `table` (rows: weeks, oldest first), labelled at its last point, no legend."""
    weeks = [str(w) for w in table.index]

    def draw(Figure):
        fig = Figure(figsize=(WIDTH, 3.4))
        ax = fig.add_axes((0.08, 0.14, 0.70, 0.80))  # the right 22% holds the line labels
        x = np.arange(len(weeks))
        ends = []
        for (column, label), colour in zip(zip(table.columns, labels), OKABE_ITO):
            values = table[column].to_numpy(float)
            ax.plot(x, values, color=colour, marker="o", markersize=4, linewidth=2)
            known = np.flatnonzero(~np.isnan(values))
            if len(known):
                ends.append([values[known[-1]], f"{label} {pct(values[known[-1]])}", colour])
        top = np.nanmax(table.to_numpy(float)) if table.size else 1.0
        _spread(ends, gap=top * 0.08)
        for value, text, colour in ends:
            ax.annotate(text, (x[-1], value), xytext=(10, 0), textcoords="offset points", va="center",
                        fontsize=9, color=colour, annotation_clip=False)
        ax.set_xticks(x, weeks)
        ax.set_xlim(-0.25, len(weeks) - 0.75)
        ax.set_ylim(0, top * 1.15)
        _percent_axis(ax.yaxis, pct)
        ax.set_ylabel(axis_label)
        ax.grid(axis="y", color="#eeeeee")
        ax.set_axisbelow(True)
        return fig
    return _render(name, title, draw)


def _spread(ends: list[list], gap: float) -> None:
    """Move end labels (value, text, colour) apart vertically so that none are closer than `gap`."""
    ends.sort(key=lambda e: e[0])
    for i in range(1, len(ends)):
        ends[i][0] = max(ends[i][0], ends[i - 1][0] + gap)
