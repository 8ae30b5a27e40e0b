"""The series result as text: each series' one-step error beside persistence, and what the ratio means."""

from __future__ import annotations

from rnntui.commands.experiment_table import columns
from rnntui.i18n import t

# Below this ratio a model clearly beats persistence; at or above NO_SKILL it has no skill at all.
CLEAR_SKILL = 0.5
NO_SKILL = 0.95


def verdict(ratio: float) -> str:
    if ratio <= CLEAR_SKILL:
        return t("tasks.series.verdict_beats")
    if ratio >= NO_SKILL:
        return t("tasks.series.verdict_none")
    return t("tasks.series.verdict_some")


def series_lines(result: dict, cell: str) -> list[str]:
    lines = [t("tasks.series.title", cell=t("tasks.cells." + cell), seeds=result["seeds"])]
    rows = [[t("tasks.series.name"), t("tasks.series.mse"), t("tasks.series.persistence"), t("tasks.series.ratio"),
             t("tasks.series.free_ratio"), t("tasks.series.verdict")]]
    for name, r in result["series"].items():
        low, high = r["ratio_range"]
        spread = f" ({low:.2f}–{high:.2f})" if result["seeds"] > 1 else ""
        rows.append([name, f"{r['mse']:.4g}", f"{r['persistence']:.4g}", f"{r['ratio']:.3f}{spread}",
                     f"{r['free_running_ratio']:.2f}", verdict(r["ratio"])])
    lines += columns(rows)
    s = result["settings"]
    lines += ["", t("tasks.series.how", steps=s["steps"], window=s["window"], batch=s["batch_size"], lr=s["lr"],
                    hidden=s["hidden_size"])]
    m = result["machine"]
    lines.append(t("tasks.table.measured", date=m["date"], cpu=m["cpu"], cores=m["cores"],
                   load="?" if m["load_1min"] is None else f"{m['load_1min']:.1f}", seconds=result["seconds"]))
    return lines
