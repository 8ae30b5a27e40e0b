"""`rnntui abc` and `rnntui step`: the NumPy engine from the command line (never imports torch).

Both read everything through StepSession / the ABC example; formatting lives here, not in the engine.
"""

from __future__ import annotations

import json
import math
from typing import Optional

import typer

from rnntui.i18n import t
from rnntui.commands.common import check_activation, check_stepping_fits, progress_after, user_errors


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("abc")(abc)
    app.command("step")(step)


def _vec(values, digits: int = 4) -> str:
    return "[" + ", ".join(f"{float(v):.{digits}f}" for v in values) + "]"


def _floats(array) -> list:
    return [float(v) for v in array]


# ---------------------------------------------------------------------------------------- abc


@user_errors
def abc(
    json_output: bool = typer.Option(False, "--json", help="Print the numbers as one JSON document."),
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
        "The ABC lesson's example: alphabet A, B, C; predict the character after \"AB\".",
        "",
        "  h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)     W_xh = W_hh = I (3x3 identity), b_h = 0, h0 = 0",
        f"  one-hot inputs: {one_hot}",
        "",
    ]
    for s in example.steps:
        lines += [
            f"Step {s.t}: read {s.char!r}, x_{s.t} = {_vec(s.x, 0)}",
            f"  W_xh x_{s.t}       = {_vec(s.input_term)}",
            f"  W_hh h_{s.t - 1}       = {_vec(s.recurrent_term)}   (h_{s.t - 1} = {_vec(s.h_prev)})",
            f"  pre-activation = {_vec(s.pre)}",
            f"  h_{s.t} = tanh(.)   = {_vec(s.h)}",
            f"  the notes: {s.notes_formula}  -> h_{s.t}[0] = {s.h[0]:.4f}, rounds to {s.h[0]:.2f}",
            "",
        ]
    lines.append("How the notes' shorthand maps onto this:")
    lines += [f"  - {text}" for text in example.shorthand]
    lines += ["", 'Next character after "AB": logits = W_hy h_2 + b_y, probabilities = softmax(logits).']
    for p in example.heads:
        probs = "  ".join(f"P({ch}) = {v:.4f}" for ch, v in zip(example.alphabet, p.probs))
        lines.append(f"  {p.name} head: {p.description}.")
        if p.training_loss is not None:
            lines.append(
                f"    training loss on 'ABC': {p.training_loss[0]:.4f} -> {p.training_loss[1]:.4f}"
            )
        lines.append(f"    {probs}   -> predicts {p.predicted!r}")
    lines.append("Every number above is computed by the NumPy engine (rnntui step runs the same code).")
    return "\n".join(lines)


def _eye(n: int):
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


# ---------------------------------------------------------------------------------------- step


@user_errors
def step(
    text: str = typer.Argument(..., help="The input sequence; its characters form the vocabulary."),
    cell: Optional[str] = typer.Option(None, "--cell", help="rnn | lstm | gru  [default: rnn]"),
    activation: Optional[str] = typer.Option(
        None, "--activation", help="tanh | relu, for the vanilla RNN  [default: tanh]"
    ),
    hidden: Optional[int] = typer.Option(None, "--hidden", help="Hidden units per layer  [default: 8]"),
    layers: Optional[int] = typer.Option(None, "--layers", help="Stacked layers  [default: 1]"),
    seed: int = typer.Option(0, "--seed", help="Seed of the PyTorch-style weight initialisation."),
    checkpoint: Optional[str] = typer.Option(
        None, "--checkpoint", help="A .safetensors checkpoint: its model and vocabulary are used."
    ),
    clip: Optional[float] = typer.Option(
        None, "--clip", help="Clip gradients to this global norm (clip_grad_norm_). Default: off."
    ),
    clip_value: Optional[float] = typer.Option(
        None, "--clip-value", help="Clip each gradient element to [-V, V] instead (clip_grad_value_)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON document (see README)."),
) -> None:
    """Run the NumPy engine over TEXT: hidden states, gates, next-character probabilities, BPTT."""
    from rnntui.engine.numpy_rnn import Clipping
    from rnntui.engine.session import StepSession
    from rnntui.errors import RnntuiError

    if not text:
        raise RnntuiError("TEXT is empty: give at least one character")
    from rnntui.commands.training_commands import clip_flags

    flags = clip_flags(clip, False, clip_value)
    clipping = Clipping(flags["clip_mode"], flags["clip"]) if flags else Clipping("off")
    if checkpoint is None:
        check_activation(cell or "rnn", activation)
        check_stepping_fits(text, cell or "rnn", activation or "tanh", 8 if hidden is None else hidden,
                            1 if layers is None else layers)
    with progress_after("building the model and running it over TEXT"):
        if checkpoint is not None:
            session = StepSession.from_checkpoint(checkpoint, text=text, clipping=clipping)
            given = {"cell": cell, "activation": activation, "hidden_size": hidden, "num_layers": layers}
            for field, value in given.items():
                saved = getattr(session.config, field)
                if value is not None and value != saved:
                    flag = {"hidden_size": "--hidden", "num_layers": "--layers"}.get(field, f"--{field}")
                    raise RnntuiError(f"{flag} {value} conflicts with the checkpoint, which has {saved}")
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


def _step_text(doc: dict) -> str:
    vocab = doc["vocab"]
    source = f"checkpoint {doc['checkpoint']}" if doc["checkpoint"] else f"seed {doc['seed']}"
    act = f" {doc['activation']}" if doc["cell"] == "rnn" else ""
    lines = [
        f"{doc['cell'].upper()}{act}, {doc['num_layers']} layer(s) of {doc['hidden_size']} units, "
        f"vocabulary {''.join(vocab)!r} ({len(vocab)}), {source}",
        "",
        f"{'t':>3}  {'in':<4} {'next':<4} {'P(next)':>8} {'loss':>7} {'|dL/dh|':>8}  {'guess':<10}  h (top layer)",
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
        guess = f"{vocab[best]!r} {probs[best]:.2f}"
        nxt = repr(target) if target is not None else "-"
        lines.append(
            f"{step_['t']:>3}  {step_['char']!r:<4} {nxt:<4} {p_next:>8} {loss:>7} {gnorm:>8.4f}  {guess:<10}  {h}"
        )
    clip = doc["clipping"]
    clip_text = t(f"clipping.mode.{clip['mode']}", threshold=f"{clip['threshold']:g}")
    # + 0.0 turns a loss of -0.0 (log 1 with a one-character vocabulary) into 0.0 for printing.
    loss = "none (one character: nothing to predict)" if doc["loss"] is None else f"{doc['loss'] + 0.0:.4f}"
    lines += [
        "",
        f"mean loss {loss}",
        f"gradient norm {doc['grad_norm']:.4f}, after clipping ({clip_text}) {doc['grad_norm_clipped']:.4f}",
    ]
    lines += _clipping_lines(doc)
    radii = "; ".join(
        f"{name.removeprefix('rnn.')}: " + ", ".join(f"{b} {r:.3f}" for b, r in blocks.items())
        for name, blocks in doc["spectral_radius"].items()
    )
    lines.append(f"spectral radius {radii}")
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
