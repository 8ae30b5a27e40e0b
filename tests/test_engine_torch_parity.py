"""The NumPy engine against PyTorch autograd on the same weights (float64, to 1e-6).

Reference: nn.RNNCell/LSTMCell/GRUCell unrolled one step at a time, with retain_grad() on every
h_t so h_t.grad is the total derivative dL/dh_t through all later timesteps and layers above.
Gates are recomputed in torch from the cells' own weights and inputs. Also: the fused
nn.RNN/LSTM/GRU(batch_first=True) loaded with load_state_dict from a checkpoint file.
"""

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from rnntui.engine.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from rnntui.engine.config import ModelConfig  # noqa: E402
from rnntui.engine.numpy_rnn import NumpyRNN  # noqa: E402

torch.set_num_threads(1)
TOL = 1e-6
V, H, T = 4, 3, 7

CONFIGS = [
    ModelConfig(cell=cell, activation=act, hidden_size=H, num_layers=layers, vocab_size=V, embedding_dim=emb)
    for (cell, act), layers, emb in itertools.product(
        [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")], [1, 2], [None, 5]
    )
]


def config_id(cfg):
    return f"{cfg.cell}-{cfg.activation}-L{cfg.num_layers}-{'emb' if cfg.embedding_dim else 'onehot'}"


def make_model(cfg, seed=0):
    model = NumpyRNN.random(cfg, seed)
    # Larger weights than PyTorch's init so gates and ReLU units leave their linear regime.
    params = {k: v * 2.0 for k, v in model.params.items()}
    return NumpyRNN(cfg, params)


def sample_indices(seed=1):
    return np.random.default_rng(seed).integers(0, V, size=T)


def torch_cells(cfg, params):
    kind = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[cfg.cell]
    cells = []
    for k in range(cfg.num_layers):
        in_size = cfg.input_size if k == 0 else cfg.hidden_size
        extra = {"nonlinearity": cfg.activation} if cfg.cell == "rnn" else {}
        cell = kind(in_size, cfg.hidden_size, **extra).double()
        with torch.no_grad():
            for part in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, part).copy_(torch.from_numpy(params[f"rnn.{part}_l{k}"]))
        cells.append(cell)
    return cells


def torch_gates(cfg, cell, x, h):
    """Gate activations from the cell's own weights, in PyTorch's formulas."""
    gi = F.linear(x, cell.weight_ih, cell.bias_ih)
    gh = F.linear(h, cell.weight_hh, cell.bias_hh)
    if cfg.cell == "lstm":
        i, f, g, o = (gi + gh).chunk(4, -1)
        return {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g), "o": torch.sigmoid(o)}
    if cfg.cell == "gru":
        ir, iz, in_ = gi.chunk(3, -1)
        hr, hz, hn = gh.chunk(3, -1)
        r = torch.sigmoid(ir + hr)
        return {"r": r, "z": torch.sigmoid(iz + hz), "n": torch.tanh(in_ + r * hn)}
    return {}


def torch_reference(cfg, params, indices, targets):
    """Unrolled torch run: returns dict of arrays shaped like the engine's.

    `indices` are character indices, or (T, input_dim) values when the config reads values;
    `targets` are class indices (-1: none) for a softmax head, values (nan: none) for a linear one."""
    cells = torch_cells(cfg, params)
    head = torch.nn.Linear(cfg.hidden_size, cfg.vocab_size).double()
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(params["head.weight"]))
        head.bias.copy_(torch.from_numpy(params["head.bias"]))
    idx = torch.from_numpy(indices)
    if cfg.input_dim:
        emb = None
        xs = idx.double()
    elif cfg.embedding_dim:
        emb = torch.nn.Embedding(cfg.vocab_size, cfg.embedding_dim).double()
        with torch.no_grad():
            emb.weight.copy_(torch.from_numpy(params["embedding.weight"]))
        xs = emb(idx)
    else:
        emb = None
        xs = F.one_hot(idx, cfg.vocab_size).double()
    L = cfg.num_layers
    h = [torch.zeros(1, H, dtype=torch.float64) for _ in range(L)]
    c = [torch.zeros(1, H, dtype=torch.float64) for _ in range(L)]
    hs, cs, gates, logits = [[] for _ in range(L)], [[] for _ in range(L)], [], []
    for t in range(len(indices)):
        inp = xs[t : t + 1]
        step_gates = []
        for k, cell in enumerate(cells):
            step_gates.append({n: g.detach() for n, g in torch_gates(cfg, cell, inp, h[k]).items()})
            if cfg.cell == "lstm":
                h[k], c[k] = cell(inp, (h[k], c[k]))
                cs[k].append(c[k])
            else:
                h[k] = cell(inp, h[k])
            h[k].retain_grad()
            hs[k].append(h[k])
            inp = h[k]
        gates.append(step_gates)
        logits.append(head(h[L - 1]))
    logits = torch.cat(logits)
    tgt = torch.from_numpy(targets)
    if cfg.head == "linear":
        tgt = tgt.reshape(len(indices), -1)
        rows = ~torch.isnan(tgt).any(dim=1)
        loss = F.mse_loss(logits[rows], tgt[rows])
    else:
        loss = F.cross_entropy(logits, tgt, ignore_index=-1)
    loss.backward()
    grads = {}
    if emb is not None:
        grads["embedding.weight"] = emb.weight.grad.numpy()
    for k, cell in enumerate(cells):
        for part in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            grads[f"rnn.{part}_l{k}"] = getattr(cell, part).grad.numpy()
    grads["head.weight"] = head.weight.grad.numpy()
    grads["head.bias"] = head.bias.grad.numpy()
    stack = lambda seqs: np.stack([np.concatenate([s.detach().numpy() for s in seq]) for seq in seqs])  # noqa: E731
    return {
        "h": stack(hs),
        "c": stack(cs) if cfg.cell == "lstm" else None,
        "dh": np.stack([np.concatenate([s.grad.numpy() for s in seq]) for seq in hs]),
        "gates": {
            n: np.stack([np.concatenate([gates[t][k][n].numpy() for t in range(len(indices))]) for k in range(L)])
            for n in cfg.gate_names
        },
        "probs": torch.softmax(logits, -1).detach().numpy(),
        "outputs": logits.detach().numpy(),
        "loss": loss.item(),
        "grads": grads,
    }


@pytest.mark.parametrize("cfg", CONFIGS, ids=config_id)
def test_forward_and_bptt_match_torch_autograd(cfg):
    model = make_model(cfg)
    indices = sample_indices()
    targets = model.next_targets(indices)
    targets[2] = -1  # a position without a target in the middle, as ignore_index does
    trace = model.forward(indices)
    grads = model.backward(trace, targets)
    ref = torch_reference(cfg, model.params, indices, targets)

    np.testing.assert_allclose(trace.h[:, 1:], ref["h"], atol=TOL, rtol=0)
    if cfg.cell == "lstm":
        np.testing.assert_allclose(trace.c[:, 1:], ref["c"], atol=TOL, rtol=0)
    assert set(trace.gates) == set(ref["gates"])
    for name, value in ref["gates"].items():
        np.testing.assert_allclose(trace.gates[name], value, atol=TOL, rtol=0, err_msg=name)
    np.testing.assert_allclose(trace.probs, ref["probs"], atol=TOL, rtol=0)
    assert grads.loss == pytest.approx(ref["loss"], abs=TOL)
    assert grads.grads.keys() == ref["grads"].keys()
    for name, value in ref["grads"].items():
        np.testing.assert_allclose(grads.grads[name], value, atol=TOL, rtol=0, err_msg=name)
    np.testing.assert_allclose(grads.dh, ref["dh"], atol=TOL, rtol=0)
    np.testing.assert_allclose(grads.grad_norm_h, np.linalg.norm(ref["dh"], axis=2), atol=TOL, rtol=0)
    # The activations really were exercised: ReLU had dead units, tanh left its linear range.
    if cfg.activation == "relu":
        assert (trace.h[:, 1:] == 0).any() and (trace.h[:, 1:] > 0).any()


@pytest.mark.parametrize("cfg", CONFIGS, ids=config_id)
def test_fused_torch_modules_load_the_checkpoint(cfg, tmp_path):
    from safetensors.torch import load_file

    model = make_model(cfg, seed=3)
    path = save_checkpoint(tmp_path / "m.safetensors", model.params, cfg, list("ABCD"))
    tensors = load_file(str(path))
    kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cfg.cell]
    extra = {"nonlinearity": cfg.activation} if cfg.cell == "rnn" else {}
    rnn = kind(cfg.input_size, H, num_layers=cfg.num_layers, batch_first=True, **extra).double()
    head = torch.nn.Linear(H, V).double()
    modules = [("rnn.", rnn), ("head.", head)]
    if cfg.embedding_dim:
        modules.append(("embedding.", torch.nn.Embedding(V, cfg.embedding_dim).double()))
    for prefix, module in modules:
        module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})

    indices = sample_indices(seed=4)
    idx = torch.from_numpy(indices)[None]
    xs = modules[2][1](idx) if cfg.embedding_dim else F.one_hot(idx, V).double()
    with torch.no_grad():
        out, state = rnn(xs)
        probs = torch.softmax(head(out), -1)[0]
    engine = NumpyRNN(cfg, load_checkpoint(path).params)
    trace = engine.forward(indices)
    np.testing.assert_allclose(trace.h[-1, 1:], out[0].numpy(), atol=TOL, rtol=0)
    h_n = state[0] if cfg.cell == "lstm" else state
    np.testing.assert_allclose(trace.h[:, -1], h_n[:, 0].numpy(), atol=TOL, rtol=0)
    if cfg.cell == "lstm":
        np.testing.assert_allclose(trace.c[:, -1], state[1][:, 0].numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(trace.probs, probs.numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("max_norm", [0.05, 1e3])
def test_norm_clipping_matches_clip_grad_norm(max_norm):
    from rnntui.engine.numpy_rnn import Clipping

    cfg = CONFIGS[4]  # lstm, one layer, one-hot
    model = make_model(cfg)
    indices = sample_indices()
    g = model.backward(model.forward(indices), model.next_targets(indices), Clipping("norm", max_norm))
    tensors = {n: torch.nn.Parameter(torch.zeros(v.shape, dtype=torch.float64)) for n, v in g.grads.items()}
    for n, p in tensors.items():
        p.grad = torch.from_numpy(g.grads[n].copy())
    norm = torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm)
    assert g.grad_norm == pytest.approx(norm.item(), rel=1e-12)
    for n, p in tensors.items():
        np.testing.assert_allclose(g.clipped[n], p.grad.numpy(), atol=1e-12, rtol=0)
    after = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in tensors.values()])).item()
    assert g.grad_norm_clipped == pytest.approx(after, rel=1e-12)


def test_value_clipping_matches_clamp():
    from rnntui.engine.numpy_rnn import Clipping

    cfg = CONFIGS[6]  # gru, one layer, one-hot
    model = make_model(cfg)
    indices = sample_indices()
    g = model.backward(model.forward(indices), model.next_targets(indices), Clipping("value", 0.02))
    for n, v in g.grads.items():
        np.testing.assert_array_equal(g.clipped[n], torch.clamp(torch.from_numpy(v), -0.02, 0.02).numpy())
    assert any(np.abs(v).max() > 0.02 for v in g.grads.values())  # the clamp did something


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_float32_on_request_agrees_with_float64(cell):
    cfg = ModelConfig(cell=cell, hidden_size=H, num_layers=2, vocab_size=V)
    m64 = make_model(cfg)
    m32 = NumpyRNN(cfg, m64.params, dtype=np.float32)
    indices = sample_indices()
    t32, t64 = m32.forward(indices), m64.forward(indices)
    g32 = m32.backward(t32, m32.next_targets(indices))
    g64 = m64.backward(t64, m64.next_targets(indices))
    assert t32.h.dtype == np.float32 and g32.grads["head.weight"].dtype == np.float32
    np.testing.assert_allclose(t32.probs, t64.probs, atol=1e-5)
    for name in g64.grads:
        np.testing.assert_allclose(g32.grads[name], g64.grads[name], atol=1e-5, err_msg=name)


# Real-valued inputs (the adding problem's value and marker channels) with targets at chosen steps
# only, under both heads: a linear head with squared error, a softmax head over classes.
TASK_CONFIGS = [
    ModelConfig(cell=cell, hidden_size=H, num_layers=layers, vocab_size=out, input_dim=2, head=head)
    for cell, layers, (head, out) in itertools.product(
        ["rnn", "lstm", "gru"], [1, 2], [("linear", 1), ("linear", 2), ("softmax", 4)]
    )
]


def task_id(cfg):
    return f"{cfg.cell}-L{cfg.num_layers}-{cfg.head}{cfg.vocab_size}"


def task_inputs_and_targets(cfg, seed=5, every_step=False):
    """Values in [-1, 1] and a marker channel; targets at the last step and one other (or every step)."""
    rng = np.random.default_rng(seed)
    values = np.stack([rng.uniform(-1, 1, T), rng.choice([-1.0, 0.0, 1.0], T)], axis=1)
    chosen = np.ones(T, bool) if every_step else np.isin(np.arange(T), [3, T - 1])
    if cfg.head == "linear":
        targets = rng.uniform(-1, 1, (T, cfg.vocab_size))
        targets[~chosen] = np.nan
    else:
        targets = np.where(chosen, rng.integers(0, cfg.vocab_size, T), -1)
    return values, targets


@pytest.mark.parametrize("every_step", [False, True], ids=["chosen-steps", "every-step"])
@pytest.mark.parametrize("cfg", TASK_CONFIGS, ids=task_id)
def test_real_valued_inputs_and_heads_match_torch_autograd(cfg, every_step):
    model = make_model(cfg)
    values, targets = task_inputs_and_targets(cfg, every_step=every_step)
    trace = model.forward(values)
    grads = model.backward(trace, targets)
    ref = torch_reference(cfg, model.params, values, targets)

    np.testing.assert_allclose(trace.x, values, atol=0, rtol=0)
    np.testing.assert_allclose(trace.h[:, 1:], ref["h"], atol=TOL, rtol=0)
    np.testing.assert_allclose(trace.logits, ref["outputs"], atol=TOL, rtol=0)
    if cfg.head == "softmax":
        np.testing.assert_allclose(trace.probs, ref["probs"], atol=TOL, rtol=0)
    else:
        assert trace.probs is None
    assert grads.loss == pytest.approx(ref["loss"], abs=TOL)
    assert grads.grads.keys() == ref["grads"].keys()
    for name, value in ref["grads"].items():
        np.testing.assert_allclose(grads.grads[name], value, atol=TOL, rtol=0, err_msg=name)
    np.testing.assert_allclose(grads.dh, ref["dh"], atol=TOL, rtol=0)
    if not every_step:  # only the chosen steps send gradient into the head
        assert np.count_nonzero(np.abs(model.output_gradient(trace, targets)).sum(axis=1)) == 2


@pytest.mark.parametrize("cfg", TASK_CONFIGS[::3], ids=task_id)
def test_fused_torch_model_matches_the_engine_on_values(cfg):
    """The training model (CharRNN) on a batch of value sequences: same outputs and loss."""
    from rnntui.train.torch_model import CharRNN, sequence_loss

    model = make_model(cfg, seed=2)
    net = CharRNN(cfg).double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in model.params.items()})
    batch = [task_inputs_and_targets(cfg, seed=s) for s in (6, 7)]
    values = torch.from_numpy(np.stack([b[0] for b in batch]))
    targets = torch.from_numpy(np.stack([b[1] for b in batch]))
    if cfg.head == "linear":
        targets = targets.reshape(2, T, -1)
    outputs, _ = net(values)
    loss = sequence_loss(outputs, targets, cfg.head)
    for k, (vals, tgts) in enumerate(batch):
        trace = model.forward(vals)
        np.testing.assert_allclose(trace.logits, outputs[k].detach().numpy(), atol=TOL, rtol=0)
    # Both sequences have the same number of targets, so the batch loss is the mean of the two.
    losses = [model.loss(model.forward(v), tg) for v, tg in batch]
    assert loss.item() == pytest.approx(np.mean(losses), abs=TOL)


def test_values_of_the_wrong_width_are_one_clear_error():
    from rnntui.errors import RnntuiError

    model = make_model(TASK_CONFIGS[0])
    with pytest.raises(RnntuiError, match="vectors of 2 values"):
        model.forward(np.zeros((T, 3)))
    with pytest.raises(RnntuiError, match="nan or inf"):
        model.forward(np.full((T, 2), np.nan))
