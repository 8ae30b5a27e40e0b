"""The experiment's result as text: our cells beside the paper's rows, and the settings that differ."""

from __future__ import annotations

from rnntui.i18n import t

CELL_LABELS = {"rnn": "cells.rnn", "lstm": "cells.lstm", "gru": "cells.gru"}


def columns(rows: list[list[str]]) -> list[str]:
    """Rows of cells, left-aligned in columns two spaces apart."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def count(n: int | float | None) -> str:
    return "—" if n is None else f"{int(n):,}"


def error_text(head: str, value: float) -> str:
    return f"{value:.4f}" if head == "linear" else f"{value:.1%}"


def result_lines(result: dict, head: str) -> list[str]:
    task = result["task"]
    setting = ", ".join(f"{k} = {v}" for k, v in task.items() if k not in ("name", "experiment"))
    lines = [t("tasks.table.title", task=task["name"], experiment=task["experiment"],
               setting=f", {setting}" if setting else "", seeds=result["seeds"])]
    error_name = t("tasks.table.mse") if head == "linear" else t("tasks.table.error_rate")
    rows = [[t("tasks.table.cell"), t("tasks.table.success"), t("tasks.table.sequences"), error_name,
             t("tasks.table.baseline"), t("tasks.table.correct")]]
    for cell, s in result["cells"].items():
        rows.append([t("tasks." + CELL_LABELS[cell]), f"{s['solved']}/{s['runs']}", count(s["median_sequences"]),
                     error_text(head, s["error"]), error_text(head, s["baseline"]), f"{s['correct']:.1%}"])
    lines += columns(rows)
    lines.append(t("tasks.table.criterion", fraction=f"{result['success_fraction']:.0%}",
                   rule=criterion(result, head)))
    if result["paper"]:
        lines += ["", t("tasks.table.paper_title")]
        paper_rows = [[t("tasks.table.source"), t("tasks.table.method"), t("tasks.table.setting"),
                       t("tasks.table.paper_success"), t("tasks.table.sequences"), t("tasks.table.wrong")]]
        for r in result["paper"]:
            sequences = count(r["sequences"]) if r["succeeded"] else "> " + count(r["sequences"])
            paper_rows.append([r["source"], r["method"], "—" if r["setting"] is None else str(r["setting"]),
                               "—" if r["success_percent"] is None else f"{r['success_percent']:.0f}%",
                               sequences, "—" if r["wrong"] is None else f"{r['wrong']}/2560"])
        lines += columns(paper_rows)
    s = result["settings"]
    lines += ["", t("tasks.table.differs_title"),
              "  " + t("tasks.table.differs_optimiser", lr=s["lr"]),
              "  " + t("tasks.table.differs_batch", batch=s["batch_size"]),
              "  " + t("tasks.table.differs_forget", bias=s["forget_bias"]),
              "  " + t("paper.table.input_bias", bias=s.get("input_bias", 0.0)),
              "  " + t("tasks.table.differs_size", hidden=s["hidden_size"], clip=s["clip"]),
              "  " + t("tasks.table.differs_budget", budget=count(s["max_sequences"]), test=count(s["test_size"]),
                       every=s["eval_every"] * s["batch_size"])]
    if result.get("every_step") and s.get("judged_share") is not None:
        lines.append("  " + t("paper.table.differs_loss", share=f"{s['judged_share']:.0%}"))
    m = result["machine"]
    lines.append(t("tasks.table.measured", date=m["date"], cpu=m["cpu"], cores=m["cores"],
                   load="?" if m["load_1min"] is None else f"{m['load_1min']:.1f}", seconds=result["seconds"]))
    return lines


def criterion(result: dict, head: str) -> str:
    if head == "linear":
        return t("tasks.table.rule_linear")
    return t("tasks.table.rule_softmax")
