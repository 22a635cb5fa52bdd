#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench_plots: the SVG plots of tools/bench-cluster, drawn from cluster.json's dict.

Hand-written SVG (standard library only): the parallel program's speed-up and the boot
time per node count, the vCPU page waits against the monitor's round trip, and the
cross-node IPI round trips' cumulative distribution. draw_plots(s) returns
{file name: SVG text} for each plot whose figures s holds; PLOTS maps each file to its
drawing and caption functions.
"""
import math
import statistics
from xml.sax.saxutils import escape

IPI_NAMES = {"one_node": "1 node, 2 vCPUs", "two_nodes": "2 nodes, 1 vCPU each"}

# The plots: hand-written SVG, the same bytes for the same figures (fixed number formats,
# nothing from the clock), white under the ink so they read on any page background.
FIG_W, FIG_H = 640, 360
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
INK, MUTED, GRID = "#222222", "#555555", "#dddddd"
BLUE, ORANGE, RED, TEAL = "#4477aa", "#ee7733", "#cc3311", "#44aa99"
WAIT_KEYS = ("wait_median_us", "wait_p90_us", "wait_p99_us")
WAIT_COLOURS = ("#9ecae1", "#4292c6", "#08519c")
WAIT_INKS = (INK, "#ffffff", "#ffffff")  # the colour of a value written on each of those
EM_PER_CHAR = 0.6  # above DejaVu Sans's mean advance (0.5-0.59 em in our labels): legend widths


def n1(x):
    return f"{x:.1f}"


def svg_text(x, y, s, size=12, anchor="start", fill=INK, extra=""):
    a = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return (f'<text x="{n1(x)}" y="{n1(y)}" font-size="{size}" fill="{fill}"{a}{extra}>'
            f'{escape(s)}</text>')


def svg_line(x1, y1, x2, y2, colour, width=1, dash=False):
    d = ' stroke-dasharray="6 4"' if dash else ""
    return (f'<line x1="{n1(x1)}" y1="{n1(y1)}" x2="{n1(x2)}" y2="{n1(y2)}" '
            f'stroke="{colour}" stroke-width="{width}"{d}/>')


def svg_rect(x, y, w, h, fill):
    return f'<rect x="{n1(x)}" y="{n1(y)}" width="{n1(w)}" height="{n1(h)}" fill="{fill}"/>'


def svg_file(title, subtitle, body):
    """A whole FIG_W x FIG_H SVG file: white ground, title, subtitle, then `body`."""
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{FIG_W}" height="{FIG_H}" '
        f'viewBox="0 0 {FIG_W} {FIG_H}" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{FIG_W}" height="{FIG_H}" fill="#ffffff"/>',
        svg_text(16, 22, title, 14, extra=' font-weight="bold"'),
        svg_text(16, 40, subtitle, 11, fill=MUTED), *body, "</svg>"]) + "\n"


def svg_legend(y, items):
    """The legend from x = 16 down from `y`, flowing into rows: items are (kind, colour,
    label), kind "bar", "line", "dash" or "note" (text alone, in that colour). Returns (its
    elements, the y below it)."""
    out, x, size = [], 16, 11
    for kind, colour, label in items:
        key = {"bar": 18, "note": 0}.get(kind, 24)
        width = key + len(label) * size * EM_PER_CHAR
        if x > 16 and x + width > FIG_W - 16:
            x, y = 16, y + 18
        if kind == "bar":
            out.append(svg_rect(x, y - 9, 14, 10, colour))
        elif kind != "note":
            out.append(svg_line(x, y - 4, x + 20, y - 4, colour, 2, kind == "dash"))
        out.append(svg_text(x + key, y, label, size, fill=colour if kind == "note" else INK))
        x += width + 16
    return out, y + 10


def ticks(hi, most=6):
    """0, step, 2 step, ... up to the first multiple of step >= hi, with step 1, 2 or 5
    x 10^k, the smallest that needs at most `most` steps."""
    hi = hi if hi > 0 else 1
    base = 10 ** math.floor(math.log10(hi / most))
    step = next(base * m for m in (1, 2, 5, 10) if math.ceil(hi / (base * m) - 1e-9) <= most)
    return [round(i * step, 9) for i in range(math.ceil(hi / step - 1e-9) + 1)]


def log_ticks(lo, hi):
    """The values 1, 2, 5 x 10^k from the largest <= lo to the smallest >= hi."""
    vals = [m * 10 ** k for k in range(math.floor(math.log10(lo)) - 1,
                                       math.ceil(math.log10(hi)) + 1) for m in (1, 2, 5)]
    first = max(v for v in vals if v <= lo)
    last = min(v for v in vals if v >= hi)
    return [v for v in vals if first <= v <= last]


class Frame:
    """A plot area, `left`, `top`, `width`, `height` in pixels; y from 0 at the bottom to
    the last of `yticks` at the top."""

    def __init__(self, left, top, width, height, yticks):
        self.left, self.top, self.width, self.height = left, top, width, height
        self.bottom, self.yticks = top + height, yticks

    def y(self, v):
        return self.bottom - self.height * v / self.yticks[-1]

    def slot(self, i, count):
        """The centre x of the i-th of `count` categories."""
        return self.left + self.width * (i + 0.5) / count

    def axes(self, ylabel, fmt=lambda v: f"{v:g}"):
        """Grid lines and labels at the y ticks, the y axis's label, the two axes."""
        out = []
        for v in self.yticks:
            out.append(svg_line(self.left, self.y(v), self.left + self.width, self.y(v), GRID))
            out.append(svg_text(self.left - 6, self.y(v) + 4, fmt(v), 11, "end"))
        x, y = self.left - 44, self.top + self.height / 2
        out.append(svg_text(x, y, ylabel, 12, "middle",
                            extra=f' transform="rotate(-90 {n1(x)} {n1(y)})"'))
        out.append(svg_line(self.left, self.top, self.left, self.bottom, INK))
        out.append(svg_line(self.left, self.bottom, self.left + self.width, self.bottom, INK))
        return out

    def categories(self, labels, xlabel):
        """The category labels under the x axis and the x axis's label."""
        out = [svg_text(self.slot(i, len(labels)), self.bottom + 16, s, 11, "middle")
               for i, s in enumerate(labels)]
        out.append(svg_text(self.left + self.width / 2, self.bottom + 34, xlabel, 12, "middle"))
        return out

    def bar(self, x, width, v, colour, label, foot=None):
        """A bar centred on x from 0 to v, its value written above it; with a colour `foot`,
        in that colour inside the bar at its foot, clear of lines across the bars, unless
        the bar is too short for it."""
        h = self.bottom - self.y(v)
        out = [svg_rect(x - width / 2, self.y(v), width, h, colour)]
        if foot and h >= 18:
            return out + [svg_text(x, self.bottom - 6, label, 10, "middle", foot)]
        return out + [svg_text(x, self.y(v) - 4, label, 10, "middle")]

    def polyline(self, xs, vs, colour, dash=False):
        """Line segments through (xs[i], vs[i]), with a dot at each point."""
        pts = list(zip(xs, (self.y(v) for v in vs)))
        out = [svg_line(*a, *b, colour, 2, dash) for a, b in zip(pts, pts[1:])]
        return out + [f'<circle cx="{n1(x)}" cy="{n1(y)}" r="3" fill="{colour}"/>'
                      for x, y in pts]


def conditions_line(s, what):
    """The subtitle: `what`, then how the figures were taken."""
    extra = f"; monitor + {s['append']}" if s.get("append") else ""
    return (f"{what}; {s.get('runs', '?')} run(s); QEMU TCG on {s.get('host_cpus', '?')} host "
            f"CPUs{extra}")


def svg_scaling(s):
    """cluster-scaling.svg: the parallel program's speed-up per node count (bars) against
    N and 0.9 N (lines), and the boot time against 1 node's; None without those figures."""
    try:
        counts = sorted(s["nodes"])
        p1, b1 = s["parallel_s"]["1"], s["boot_s"]["1"]
        speed = [n * p1 / s["parallel_s"][str(n)] for n in counts]
        boot = [s["boot_s"][str(n)] / b1 for n in counts]
    except (KeyError, TypeError, ZeroDivisionError):
        return None
    body, top = svg_legend(62, [("bar", BLUE, "measured speed-up"), ("line", INK, "ideal: N"),
                                ("dash", RED, "target: 0.9 N"),
                                ("bar", TEAL, "boot time vs 1 node")])
    labels = [str(n) for n in counts]
    left = Frame(64, top + 22, 232, FIG_H - top - 72, ticks(max(counts + speed)))
    right = Frame(376, top + 22, 232, FIG_H - top - 72, ticks(max(boot) * 1.08))
    xs = [left.slot(i, len(counts)) for i in range(len(counts))]
    bw = min(48, left.width / len(counts) * 0.5)
    body += [svg_text(left.left, left.top - 8, "The parallel program (guest clock)", 12),
             svg_text(right.left, right.top - 8, "Boot to the init marker (wall)", 12)]
    body += left.axes("speed-up (x)") + left.categories(labels, "nodes (one vCPU each)")
    body += right.axes("boot time vs 1 node (x)")
    body += right.categories(labels, "nodes (one vCPU each)")
    for i, (x, v, b) in enumerate(zip(xs, speed, boot)):
        body += left.bar(x, bw, v, BLUE, f"{v:.2f}", "#ffffff")
        body += right.bar(right.slot(i, len(counts)), bw, b, TEAL, f"{b:.1f}x")
    body += left.polyline(xs, counts, INK) + left.polyline(xs, [0.9 * n for n in counts], RED,
                                                            True)
    title = "One Linux guest on " + (f"{', '.join(labels[:-1])} and " if labels[1:] else "")
    title += f"{labels[-1]} node{'s' if labels[1:] else ''}"
    return svg_file(title, conditions_line(s, "tools/bench-cluster, medians of the runs"),
                    body)


def wait_figures(s):
    """[(node count, [median, p90, p99 page wait in us])] for the node counts that waited:
    each the median over the nodes of their own figure, as in the doc's table."""
    out = []
    for n in sorted(s.get("nodes") or []):
        figs = [f for f in (s.get("figures") or {}).get(str(n), {}).values()
                if all(k in f for k in WAIT_KEYS)]
        if figs:
            out.append((n, [statistics.median(f[k] for f in figs) for k in WAIT_KEYS]))
    return out


def svg_waits(s):
    """cluster-page-waits.svg: the page waits per node count against the 4 KiB round trip
    and 1.5 times it (lines, when the JSON has it); None without page waits."""
    groups, rtt = wait_figures(s), s.get("rtt_4k_us")
    if not groups:
        return None
    items = [("bar", c, k) for c, k in zip(WAIT_COLOURS, ("median", "p90", "p99"))]
    if rtt:
        items += [("line", INK, f"monitor 4 KiB RTT: {rtt:.0f} us"),
                  ("dash", RED, f"target 1.5x RTT: {1.5 * rtt:.0f} us")]
    else:
        items.append(("note", MUTED, "(no RTT lines: build/bench/net.json was missing)"))
    body, top = svg_legend(62, items)
    hi = max([max(v) for _, v in groups] + ([1.5 * rtt] if rtt else []))
    f = Frame(72, top + 10, 536, FIG_H - top - 60, ticks(hi))
    body += f.axes("vCPU page wait (us)")
    body += f.categories([str(n) for n, _ in groups],
                         "nodes (one vCPU each; on 1 node no vCPU waits)")
    bw = min(44, f.width / len(groups) * 0.24)
    for i, (n, vals) in enumerate(groups):
        for j, v in enumerate(vals):
            body += f.bar(f.slot(i, len(groups)) + (j - 1) * (bw + 3), bw, v, WAIT_COLOURS[j],
                          str(int(v)), WAIT_INKS[j])
    if rtt:
        body += [svg_line(f.left, f.y(rtt), f.left + f.width, f.y(rtt), INK, 2),
                 svg_line(f.left, f.y(1.5 * rtt), f.left + f.width, f.y(1.5 * rtt), RED, 2,
                          True)]
    return svg_file("vCPU waits for pages against the monitor's round trip (RTT)",
                    conditions_line(s, "each the median over the nodes"), body)


def cdf_path(samples, x, y, right):
    """The SVG path of the samples' empirical CDF, in steps, with pixel maps x and y, on to
    the pixel column `right`."""
    v = sorted(samples)
    d = [f"M{n1(x(v[0]))},{n1(y(0))}"]
    for i, val in enumerate(v):
        if i + 1 < len(v) and v[i + 1] == val:
            continue
        d.append(f"H{n1(x(val))}V{n1(y((i + 1) / len(v)))}")
    return "".join(d) + f"H{n1(right)}"


def svg_ipi(s):
    """ipi-rtt.svg: the CDF of the IPI round trips per side, log time axis, with the 64 B
    monitor round trip (vertical line, when the JSON has it); None without samples."""
    ipi = s.get("ipi") or {}
    sides = [(k, c) for k, c in (("one_node", BLUE), ("two_nodes", ORANGE))
             if (ipi.get(k) or {}).get("samples_us")]
    if not sides:
        return None
    rtt = ipi.get("rtt_net_64_us")
    every = [v for k, _ in sides for v in ipi[k]["samples_us"]] + ([rtt] if rtt else [])
    xt = log_ticks(max(min(every), 0.1), max(every))
    items = [("line", c, f"{IPI_NAMES[k]}: median {ipi[k]['median_us']:.0f} us")
             for k, c in sides]
    if rtt:
        items.append(("dash", INK, f"monitor 64 B RTT: {rtt:.0f} us"))
    body, top = svg_legend(62, items)
    f = Frame(72, top + 10, 536, FIG_H - top - 60, [0, 0.25, 0.5, 0.75, 1])
    lo, span = math.log(xt[0]), math.log(xt[-1]) - math.log(xt[0])

    def x(v):
        return f.left + f.width * (math.log(v) - lo) / span

    body += f.axes("round trips taking at most x", lambda v: f"{v * 100:.0f}%")
    for v in xt:
        body += [svg_line(x(v), f.top, x(v), f.bottom, GRID),
                 svg_text(x(v), f.bottom + 16, f"{v:g}", 11, "middle")]
    body.append(svg_text(f.left + f.width / 2, f.bottom + 34,
                         "x: round trip (us, log scale)", 12, "middle"))
    if rtt:
        body.append(svg_line(x(rtt), f.top, x(rtt), f.bottom, INK, 2, True))
    for k, c in sides:
        body.append(f'<path d="{cdf_path(ipi[k]["samples_us"], x, f.y, f.left + f.width)}" '
                    f'fill="none" stroke="{c}" stroke-width="2"/>')
    n = sorted({len(ipi[k]["samples_us"]) for k, _ in sides})
    n = " and ".join(str(x) for x in n)
    sub = conditions_line(ipi, f"ipi-ping, {n} round trips per side, vCPU 0's TSC")
    return svg_file("IPI round trip vCPU 0 -> vCPU 1 -> vCPU 0: cumulative distribution",
                    sub, body)


def caption_scaling(s):
    return ("Speed-up and boot time per node count",
            "Left: the parallel program's speed-up N x t(1) / t(N) per node count (bars) "
            "against the ideal N and the 0.9 N target (lines); right: the boot time to the "
            "init marker relative to 1 node's.")


def caption_waits(s):
    lines = ("against the monitor's 4 KiB round trip and the 1.5x target (lines)"
             if s.get("rtt_4k_us") else
             "without the monitor's round trip (build/bench/net.json was missing)")
    return ("vCPU page waits per node count",
            f"The vCPU page waits per node count, median / p90 / p99, each the median over "
            f"the nodes of their own figure, {lines}.")


def caption_ipi(s):
    ipi = s.get("ipi") or {}
    names = {"one_node": "1 node with 2 vCPUs", "two_nodes": "2 nodes with 1 vCPU each"}
    sides = " against ".join(v for k, v in names.items() if (ipi.get(k) or {}).get("samples_us"))
    line = (", with the monitor-to-monitor 64 B round trip (dashed line)"
            if ipi.get("rtt_net_64_us") else "")
    return ("IPI round trips, cumulative distribution",
            f"The cumulative distribution of the IPI round trips (every sample of every run, "
            f"log time axis), {sides}{line}.")


# The plots: file name, drawing (None without its figures), caption. Their references go
# after the cluster table (CLUSTER_PLOTS) and after the IPI table (IPI_PLOTS).
PLOTS = {"cluster-scaling.svg": (svg_scaling, caption_scaling),
         "cluster-page-waits.svg": (svg_waits, caption_waits),
         "ipi-rtt.svg": (svg_ipi, caption_ipi)}
CLUSTER_PLOTS = ("cluster-scaling.svg", "cluster-page-waits.svg")
IPI_PLOTS = ("ipi-rtt.svg",)


def draw_plots(s):
    """{file name: SVG text} for each plot whose figures `s` (cluster.json's dict) holds."""
    svgs = {}
    for name, (draw, _) in PLOTS.items():
        svg = draw(s)
        if svg:
            svgs[name] = svg
    return svgs
