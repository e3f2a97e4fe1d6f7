"""The economy-of-scale curve as a PNG: unit price per process over quantity, log axes."""

import io
from pathlib import Path

from matplotlib.figure import Figure

from bespoke.model import ScaleCurve


def write_scale_curve(curve: ScaleCurve, title: str, currency: str, out: Path) -> Path:
    """Draw each process's unit price, the cheapest envelope and the break-evens to `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    scale_curve_figure(curve, title, currency).savefig(out)
    return out


def scale_curve_png(curve: ScaleCurve, title: str, currency: str) -> bytes:
    """The curve as PNG bytes, for reports."""
    buffer = io.BytesIO()
    scale_curve_figure(curve, title, currency).savefig(buffer, format="png")
    return buffer.getvalue()


def scale_curve_figure(curve: ScaleCurve, title: str, currency: str) -> Figure:
    """Unit price by process on log axes, the cheapest envelope and the break-evens."""
    if not curve.points:
        raise ValueError("no feasible process: there is no curve to draw")
    quantities = [p.quantity for p in curve.points]
    processes = sorted({k for p in curve.points for k in p.unit_prices})
    fig = Figure(figsize=(9, 5.5), dpi=110)
    ax = fig.add_subplot()
    for process in processes:
        prices = [float(p.unit_prices[process]) for p in curve.points]
        ax.plot(quantities, prices, label=process, linewidth=1.4, alpha=0.85)
    cheapest = [float(p.unit_prices[p.cheapest]) for p in curve.points]
    ax.plot(quantities, cheapest, color="black", linewidth=3, alpha=0.25, label="cheapest")
    for even in curve.break_evens:
        ax.axvline(even.quantity, color="grey", linestyle=":", linewidth=1)
        ax.annotate(
            f"{even.from_process} → {even.to_process}\nfrom {even.quantity:,} pcs",
            (even.quantity, float(even.unit_price)),
            textcoords="offset points",
            xytext=(6, 12),
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("quantity (pieces)")
    ax.set_ylabel(f"unit price ({currency})")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
