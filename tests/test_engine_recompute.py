"""Jobs: a session's caches computed elsewhere, handed back only while they still describe it."""

import threading

import numpy as np
import pytest

from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.recompute import PARTS
from rnntui.engine.session import StepSession

TEXT = "hello world, hello there"


def session(**kw) -> StepSession:
    return StepSession(TEXT, cell="lstm", hidden_size=6, num_layers=2, seed=1, **kw)


def in_thread(job):
    """Run a job's stages in another thread, as the app does; the list of what each stage held."""
    stages = []
    worker = threading.Thread(target=lambda: stages.extend(job.stages()))
    worker.start()
    worker.join()
    return stages


def test_a_job_in_another_thread_gives_what_reading_the_session_gives():
    background, reference = session(), session()
    assert background.pending() == PARTS
    stages = in_thread(background.job())
    assert [name for name in PARTS if getattr(stages[-1], name) is not None] == list(PARTS)
    # each stage adds parts in PARTS order (both BPTTs in one pass): the panes show each when it is there
    assert [sum(getattr(stage, name) is not None for name in PARTS) for stage in stages] == [1, 3, 4]
    assert background.adopt(stages[-1]) and background.pending() == ()
    np.testing.assert_array_equal(background.trace.h, reference.trace.h)
    # the job runs both BPTTs side by side (backward_with_hidden): equal up to rounding
    assert background.gradients.grad_norm == pytest.approx(reference.gradients.grad_norm, rel=1e-12)
    np.testing.assert_allclose(background.last_prediction_gradients.grad_norm_h,
                               reference.last_prediction_gradients.grad_norm_h, rtol=1e-12)
    assert background.spectral_radii() == reference.spectral_radii()


def test_stages_are_adopted_one_at_a_time():
    s = session()
    stages = in_thread(s.job())
    assert s.adopt(stages[0]) and s.pending() == ("gradients", "last", "radii")
    assert s.adopt(stages[1]) and s.pending() == ("radii",)


def test_results_for_weights_that_were_edited_meanwhile_are_dropped():
    s = session()
    job = s.job()
    s.scale_weight("rnn.weight_hh_l0", 1.25)  # `]` while the job runs
    stale = in_thread(job)[-1]
    assert not s.adopt(stale)
    assert s.pending() == PARTS
    np.testing.assert_array_equal(s.trace.h, session_after_scale().trace.h)


def session_after_scale() -> StepSession:
    s = session()
    s.scale_weight("rnn.weight_hh_l0", 1.25)
    return s


def test_a_new_text_drops_the_passes_but_keeps_the_radii():
    s = session()
    job = s.job()
    s.set_text(TEXT + "!" if "!" in s.vocab.chars else TEXT[:-3])
    done = in_thread(job)[-1]
    assert not s.adopt(done)  # the passes ran over the old text ...
    assert s.pending() == ("trace", "gradients", "last")  # ... but the weights' radii still hold


def test_clipping_changed_while_the_gradients_were_computed_is_applied_when_adopted():
    s = session(clipping=Clipping("off"))
    job = s.job()
    s.set_clipping("norm", 1e-3)  # `k` while the job runs
    s.adopt(in_thread(job)[-1])
    assert s.gradients.grad_norm_clipped == pytest.approx(1e-3, rel=1e-3)
    assert s.gradients.grad_norm > 1e-3


def test_a_job_computes_only_what_is_asked():
    s = session()
    s.adopt(in_thread(s.job(("trace", "gradients", "radii")))[-1])  # the whole-loss bars need no last-loss pass
    assert s.pending() == ("last",)


def test_a_text_edit_reuses_the_prefix_in_the_job(monkeypatch):
    s = session()
    s.prepare()
    s.set_text(TEXT[:12] + "h" + TEXT[13:])  # the same characters: the same vocabulary and weights
    lengths = []
    original = s.model.forward
    monkeypatch.setattr(s.model, "forward", lambda idx, *a, **k: lengths.append(len(idx)) or original(idx, *a, **k))
    s.adopt(in_thread(s.job())[-1])
    assert lengths == [len(TEXT) - 12]
    fresh = StepSession(s.text, cell="lstm", hidden_size=6, num_layers=2, seed=1)
    np.testing.assert_allclose(s.trace.h, fresh.trace.h, rtol=0, atol=1e-12)


def test_work_counts_only_what_is_pending():
    s = session()
    everything = s.job().work()
    s.trace  # noqa: B018
    assert 0 < s.job().work() < everything
    s.prepare()
    assert s.job().work() == 0
    s.scale_weight("rnn.weight_hh_l0", 1.25)  # radii carried: only the passes are left
    assert s.job().work() == s.job(("trace", "gradients", "last")).work() > 0
