"""`rnntui abc` and `rnntui step`: the NumPy engine from the command line (never imports torch).

Both read everything through StepSession / the ABC example; formatting lives here, not in the engine.
"""

from __future__ import annotations

import json
import math
from typing import Optional

import typer

from rnntui.i18n import t
from rnntui.commands.common import (check_activation, check_model_steps, check_stepping_fits, progress_after,
                                   user_errors)
from rnntui.commands.language import help_text
from rnntui.i18n import t
from rnntui.textwidth import cells, pad


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("abc", help=help_text("cli.help.abc.command"))(abc)
    app.command("step", help=help_text("cli.help.step.command"))(step)


def _vec(values, digits: int = 4) -> str:
    return "[" + ", ".join(f"{float(v):.{digits}f}" for v in values) + "]"


def _floats(array) -> list:
    return [float(v) for v in array]


# ---------------------------------------------------------------------------------------- abc


@user_errors
def abc(
    json_output: bool = typer.Option(False, "--json", help=help_text("cli.help.abc.json")),
) -> None:
    """The ABC lesson's example, step by step: h1, h2 and the next character after "AB"."""
    from rnntui.engine.abc_example import run_abc_example

    example = run_abc_example()
    if json_output:
        typer.echo(json.dumps(_abc_json(example), indent=2, ensure_ascii=False))
    else:
        typer.echo(_abc_text(example))


def _abc_json(example) -> dict:
    return {
        "alphabet": example.alphabet,
        "formula": "h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)",
        "weights": {"W_xh": "identity 3x3", "W_hh": "identity 3x3", "b_h": "zeros", "h0": "zeros"},
        "steps": [
            {
                "t": s.t,
                "char": s.char,
                "x": _floats(s.x),
                "h_prev": _floats(s.h_prev),
                "W_xh_x": _floats(s.input_term),
                "W_hh_h_prev": _floats(s.recurrent_term),
                "pre": _floats(s.pre),
                "h": _floats(s.h),
                "notes_value": s.notes_value,
                "notes_formula": s.notes_formula,
            }
            for s in example.steps
        ],
        "predictions": [
            {
                "head": p.name,
                "description": p.description,
                "weight": [_floats(row) for row in p.weight],
                "bias": _floats(p.bias),
                "logits": _floats(p.logits),
                "probs": dict(zip(example.alphabet, _floats(p.probs))),
                "predicted": p.predicted,
                "training_loss": None
                if p.training_loss is None
                else {"before": p.training_loss[0], "after": p.training_loss[1]},
            }
            for p in example.heads
        ],
        "shorthand": list(example.shorthand),
    }


def _abc_text(example) -> str:
    one_hot = ", ".join(f"{ch} = {_vec(row, 0)}" for ch, row in zip(example.alphabet, _eye(len(example.alphabet))))
    lines = [
        t("abc.text.title"),
        "",
        f"  h_t = tanh(W_xh x_t + W_hh h_{{t-1}} + b_h)     {t('abc.text.weights')}",
        "  " + t("abc.text.one_hot", vectors=one_hot),
        "",
    ]
    terms = ["W_xh x_{t}", "W_hh h_{t_prev}", t("abc.text.pre"), "h_{t} = tanh(.)"]
    width = max(cells(term) for term in terms) + 2  # the formulas' names, so the "=" signs line up
    for s in example.steps:
        names = [pad(term.format(t=s.t, t_prev=s.t - 1), width) for term in terms]
        lines += [
            t("abc.text.step", t=s.t, char=repr(s.char), x=_vec(s.x, 0)),
            f"  {names[0]} = {_vec(s.input_term)}",
            f"  {names[1]} = {_vec(s.recurrent_term)}   (h_{s.t - 1} = {_vec(s.h_prev)})",
            f"  {names[2]} = {_vec(s.pre)}",
            f"  {names[3]} = {_vec(s.h)}",
            "  " + t("abc.text.notes", formula=s.notes_formula, t=s.t, value=f"{s.h[0]:.4f}", rounded=f"{s.h[0]:.2f}"),
            "",
        ]
    lines.append(t("abc.text.shorthand"))
    lines += [f"  - {text}" for text in example.shorthand]
    lines += ["", t("abc.text.next")]
    for p in example.heads:
        probs = "  ".join(f"P({ch}) = {v:.4f}" for ch, v in zip(example.alphabet, p.probs))
        lines.append("  " + t("abc.text.head", name=p.name, description=p.description))
        if p.training_loss is not None:
            lines.append("    " + t("abc.text.loss", before=f"{p.training_loss[0]:.4f}", after=f"{p.training_loss[1]:.4f}"))
        lines.append("    " + t("abc.text.predicts", probs=probs, char=repr(p.predicted)))
    lines.append(t("abc.text.engine"))
    return "\n".join(lines)


def _eye(n: int):
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


# ---------------------------------------------------------------------------------------- step


@user_errors
def step(
    text: str = typer.Argument(..., help=help_text("cli.help.step.text")),
    cell: Optional[str] = typer.Option(None, "--cell", help=help_text("cli.help.app.cell")),
    activation: Optional[str] = typer.Option(None, "--activation", help=help_text("cli.help.app.activation")),
    hidden: Optional[int] = typer.Option(None, "--hidden", help=help_text("cli.help.app.hidden")),
    layers: Optional[int] = typer.Option(None, "--layers", help=help_text("cli.help.app.layers")),
    seed: int = typer.Option(0, "--seed", help=help_text("cli.help.step.seed")),
    checkpoint: Optional[str] = typer.Option(None, "--checkpoint", help=help_text("cli.help.step.checkpoint")),
    clip: Optional[float] = typer.Option(None, "--clip", help=help_text("cli.help.step.clip")),
    clip_value: Optional[float] = typer.Option(None, "--clip-value", help=help_text("clipping.help.clip_value")),
    json_output: bool = typer.Option(False, "--json", help=help_text("cli.help.step.json")),
) -> None:
    """Run the NumPy engine over TEXT: hidden states, gates, next-character probabilities, BPTT."""
    from rnntui.engine.checkpoint import load_checkpoint
    from rnntui.engine.numpy_rnn import Clipping
    from rnntui.engine.session import StepSession
    from rnntui.errors import RnntuiError

    if not text:
        raise RnntuiError(t("cli.error.empty_text"))
    from rnntui.commands.training_commands import clip_flags

    flags = clip_flags(clip, False, clip_value)
    clipping = Clipping(flags["clip_mode"], flags["clip"]) if flags else Clipping("off")
    if checkpoint is None:
        check_activation(cell or "rnn", activation)
        check_stepping_fits(text, cell or "rnn", activation or "tanh", 8 if hidden is None else hidden,
                            1 if layers is None else layers, STEP_OUTPUT_BYTES_PER_PROBABILITY)
    with progress_after(t("cli.progress.building_step")):
        if checkpoint is not None:
            loaded = load_checkpoint(checkpoint)
            given = {"cell": cell, "activation": activation, "hidden_size": hidden, "num_layers": layers}
            for field, value in given.items():
                saved = getattr(loaded.config, field)
                if value is not None and value != saved:
                    flag = {"hidden_size": "--hidden", "num_layers": "--layers"}.get(field, f"--{field}")
                    raise RnntuiError(t("cli.error.conflicts_with_checkpoint", flag=flag, value=value, saved=saved))
            # The checkpoint fixes the model and its vocabulary: only the text's length is the user's.
            check_model_steps(loaded.config, len(text), STEP_OUTPUT_BYTES_PER_PROBABILITY,
                              t("train.memory.shorter_text"))
            session = StepSession.from_checkpoint(checkpoint, text=text, clipping=clipping, loaded=loaded)
        else:
            session = StepSession(
                text,
                cell=cell or "rnn",
                activation=activation or "tanh",
                hidden_size=8 if hidden is None else hidden,
                num_layers=1 if layers is None else layers,
                seed=seed,
                clipping=clipping,
            )
        document = step_document(session)
    if json_output:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        typer.echo(_step_text(document))


# Each probability `step` prints costs a Python float in its document (24 bytes and an 8-byte list
# slot), then its JSON or text (about 30 characters with indentation), encoded once more to write.
STEP_OUTPUT_BYTES_PER_PROBABILITY = 100


def step_document(session) -> dict:
    """The `rnntui step --json` document (fields documented in the README)."""
    cfg = session.config
    grads = session.gradients
    steps = []
    for t in range(1, session.T + 1):
        view = session.step_view(t)
        steps.append(
            {
                "t": t,
                "char": view.char,
                "h": _floats(view.h[-1]),
                "c": None if view.c is None else _floats(view.c[-1]),
                "gates": {name: _floats(g[-1]) for name, g in view.gates.items()},
                "probs": _floats(view.probs),
                "target": view.target,
                "loss": view.loss,
            }
        )
    return {
        "cell": cfg.cell,
        "activation": cfg.activation,
        "hidden_size": cfg.hidden_size,
        "num_layers": cfg.num_layers,
        "embedding_dim": cfg.embedding_dim,
        "vocab": list(session.vocab.chars),
        "seed": None if session.checkpoint_path else session.seed,
        "checkpoint": session.checkpoint_path,
        "clipping": {"mode": session.clipping.mode, "threshold": session.clipping.threshold},
        "steps": steps,
        "loss": grads.loss,
        "grad_norm_h": _floats(grads.grad_norm_h[-1]),
        "grad_norm_h_layers": [_floats(row) for row in grads.grad_norm_h],
        "grad_norm": grads.grad_norm,
        "grad_norm_clipped": grads.grad_norm_clipped,
        "param_grad_norms": grads.param_grad_norms,
        "param_grad_norms_clipped": grads.clipped_param_norms,
        "clip_cosine": grads.clip_cosine,
        "spectral_radius": session.spectral_radii(),
    }


SHOWN_VOCAB = 60  # characters of the vocabulary `step` prints; the count follows it


def _step_text(doc: dict) -> str:
    """The step table; columns are padded by terminal cells, so Chinese text keeps them aligned."""
    vocab = doc["vocab"]
    source = t("cli.step.checkpoint", path=doc["checkpoint"]) if doc["checkpoint"] else t("cli.step.seed", seed=doc["seed"])
    act = f" {doc['activation']}" if doc["cell"] == "rnn" else ""
    chars = [repr(step_["char"]) for step_ in doc["steps"]] + [repr(step_["target"]) for step_ in doc["steps"]]
    heads = [t("cli.step.col." + name) for name in ("in", "next", "p_next", "loss", "grad", "guess", "h")]
    token = max([4, *(cells(c) for c in chars)])  # the widest quoted character, at least a 4-cell column
    least = [3, token, token, 8, 7, 8, max(10, token + 5)]  # what the values need
    widths = [max(need, cells(head)) for need, head in zip(least, ["t", *heads])]  # and the headings
    aligns = [">", "<", "<", ">", ">", ">", "<"]

    def row(values: list[str]) -> str:
        return "  ".join([pad(values[0], widths[0], ">"),
                          " ".join(pad(v, w, a) for v, w, a in zip(values[1:6], widths[1:6], aligns[1:6])),
                          pad(values[6], widths[6]), values[7]])

    shown = repr("".join(vocab[:SHOWN_VOCAB])) + ("…" if len(vocab) > SHOWN_VOCAB else "")  # a poem corpus has thousands
    lines = [
        t("cli.step.model", cell=doc["cell"].upper() + act, layers=doc["num_layers"], units=doc["hidden_size"],
          vocab=shown, size=len(vocab), source=source),
        "",
        row(["t", *heads]),
    ]
    shown_h = 8
    for step_, gnorm in zip(doc["steps"], doc["grad_norm_h"]):
        probs = step_["probs"]
        best = max(range(len(probs)), key=probs.__getitem__)
        target = step_["target"]
        p_next = f"{probs[vocab.index(target)]:.4f}" if target is not None else "-"
        loss = f"{step_['loss']:.4f}" if step_["loss"] is not None else "-"
        h = _vec(step_["h"][:shown_h], 3)
        if len(step_["h"]) > shown_h:
            h = h[:-1] + ", ...]"
        nxt = repr(target) if target is not None else "-"
        lines.append(row([str(step_["t"]), repr(step_["char"]), nxt, p_next, loss, f"{gnorm:.4f}",
                          f"{vocab[best]!r} {probs[best]:.2f}", h]))
    clip = doc["clipping"]
    clip_text = t(f"clipping.mode.{clip['mode']}", threshold=f"{clip['threshold']:g}")
    # + 0.0 turns a loss of -0.0 (log 1 with a one-character vocabulary) into 0.0 for printing.
    loss = t("cli.step.no_loss") if doc["loss"] is None else f"{doc['loss'] + 0.0:.4f}"
    radii = "; ".join(
        f"{name.removeprefix('rnn.')}: " + ", ".join(f"{b} {r:.3f}" for b, r in blocks.items())
        for name, blocks in doc["spectral_radius"].items()
    )
    lines += [
        "",
        t("cli.step.mean_loss", loss=loss),
        t("cli.step.grad_norm", norm=f"{doc['grad_norm']:.4f}", clip=clip_text, clipped=f"{doc['grad_norm_clipped']:.4f}"),
        t("cli.step.spectral_radius", radii=radii),
    ]
    lines[-1:-1] = _clipping_lines(doc)  # before the spectral radius: what clipping did, per parameter
    return "\n".join(lines)


def _clipping_lines(doc: dict) -> list[str]:
    """Per parameter, the gradient norm before -> after clipping where clipping changed it, and
    whether the direction was kept (cosine 1: by norm) or turned (by value)."""
    if doc["clipping"]["mode"] == "off":
        return []
    before, after = doc["param_grad_norms"], doc["param_grad_norms_clipped"]
    changed = [name for name in before if not math.isclose(before[name], after[name], rel_tol=1e-12)]
    if not changed:
        return [t("clipping.report.unchanged")]
    width = max(len(name) for name in changed)
    lines = [t("clipping.report.param", name=name.ljust(width), before=f"{before[name]:.4g}", after=f"{after[name]:.4g}")
             for name in changed]
    cosine = doc["clip_cosine"]
    lines.append(t("clipping.report.kept" if cosine >= 1 - 1e-9 else "clipping.report.turned", cosine=f"{cosine:.4f}"))
    return lines
