"""grubptt.explore: the plots and the live explorer build and show the right data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import grubptt  # noqa: E402
from grubptt import analysis, dashboard, explore, fastdraw, plots, train  # noqa: E402


def curves(ax):
    """The data lines of a plot (not the floor or reference lines, whose labels start with "_")."""
    return [ln for ln in ax.lines if not ln.get_label().startswith("_")]


@pytest.fixture(scope="module")
def flows():
    return explore.compute(explore.Setting(T=30, hidden_size=8, bz=-2.0))


@pytest.fixture(scope="module")
def rnn_flows():
    return explore.compute(explore.Setting(T=30, hidden_size=8, bz=-2.0, model="SimpleRNN"))


def test_compute_gives_both_models_on_the_same_sequence(flows):
    assert set(flows) == {"GRU", "SimpleRNN"}
    assert flows["GRU"].T == flows["SimpleRNN"].T == 30
    assert list(flows["GRU"].term_norms) == ["grad_dense", "update_gate", "candidate", "reset_gate", "carry"]
    assert list(flows["SimpleRNN"].term_norms) == ["grad_dense", "recurrent"]
    # Jacobians only for the model whose Jacobian panel is shown.
    assert flows["GRU"].jac_sv.shape == (30, 8) and flows["SimpleRNN"].jac_sv.size == 0
    # Same seed → the same input and output weights: the two models differ only in their recurrence.
    gru = analysis.make_gru(8, bz=-2.0)
    rnn = analysis.make_rnn(8)
    np.testing.assert_array_equal(gru.V, rnn.V)
    np.testing.assert_array_equal(gru.W, rnn.W)
    with pytest.raises(ValueError, match="model must be"):
        explore.compute(explore.Setting(model="LSTM"))


@pytest.mark.parametrize("model", ["GRU", "SimpleRNN"])
def test_dashboard_shows_the_flow(flows, rnn_flows, model):
    flows = flows if model == "GRU" else rnn_flows
    board = explore.Dashboard()
    fig = board.update(flows, model)
    f = flows[model]
    np.testing.assert_allclose(board.dh.get_ydata(), f.dh_norm)
    shown = {k for k, ln in board.terms.items() if ln.get_visible()}
    assert shown == set(f.term_norms)
    np.testing.assert_allclose(board.gain["SimpleRNN"].get_ydata(), flows["SimpleRNN"].last_gain)
    np.testing.assert_allclose(board.sv[0].get_ydata(), f.jac_sv[:, 0])
    png = explore.render_png(fig, dpi=30)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert board.suptitle.get_text() == "T = 30"


def test_single_plots(flows, rnn_flows):
    import matplotlib.pyplot as plt

    ax = explore.plot_dh_norms(flows["GRU"])
    np.testing.assert_allclose(curves(ax)[0].get_ydata(), flows["GRU"].dh_norm)
    explore.plot_dh_norms(flows["SimpleRNN"], ax)                  # a second model on the same axes
    assert [ln.get_label() for ln in curves(ax)] == ["GRU", "SimpleRNN"] and ax.get_legend() is not None
    ax = explore.plot_term_norms(flows["GRU"])
    assert len(curves(ax)) == 5
    # The recurrent terms stop at t = T - 1 (at t = T there is no dh^(T+1)); grad_dense goes to T.
    assert [len(ln.get_xdata()) for ln in curves(ax)] == [31, 30, 30, 30, 30]
    np.testing.assert_allclose(curves(ax)[4].get_ydata(), flows["GRU"].term_norms["carry"][:-1])
    ax = explore.plot_last_gain(list(flows.values()))
    assert [ln.get_label() for ln in curves(ax)] == ["GRU", "SimpleRNN"]
    ax = explore.plot_singular_values(rnn_flows["SimpleRNN"])
    np.testing.assert_allclose(curves(ax)[0].get_ydata(), rnn_flows["SimpleRNN"].jac_sv[:, 0])
    plt.close("all")


def test_power_labels():
    assert fastdraw.power_label(1e-5) == "10⁻⁵"
    assert fastdraw.power_label(2e-7) == "2·10⁻⁷"
    assert fastdraw.power_label(0.5) == "0.5"
    assert fastdraw.power_label(100.0) == "100"
    assert fastdraw.power_label(0.0) == ""
    assert fastdraw.power_label(3.5) == "3.5" and fastdraw.power_label(2.5e-5) == "2.5e-05"


def test_explorer_builds_and_responds():
    ui = explore.explorer(explore.Setting(T=20, hidden_size=8))
    c = ui.controls
    assert set(c) == {"T", "hidden_size", "seed", "radius", "bz", "output", "model"}
    assert c["T"].min == 0 and c["T"].max >= 500
    assert ui.dashboard.suptitle.get_text() == "T = 20"          # the callback ran once on creation
    c["T"].value = 37
    assert ui.dashboard.suptitle.get_text() == "T = 37"
    c["model"].value = "SimpleRNN"
    assert not ui.dashboard.terms["carry"].get_visible() and ui.dashboard.terms["recurrent"].get_visible()


def test_plot_training():
    import matplotlib.pyplot as plt

    task = train.HoldMarked(length=6, mark_by=2)
    hs = {m: train.train(mk(4, input_size=2, output_size=1), task, steps=4, batch=2, eval_every=2,
                         eval_size=2)
          for m, mk in (("GRU", analysis.make_gru), ("SimpleRNN", analysis.make_rnn))}
    a_loss, a_grad = explore.plot_training(hs)
    np.testing.assert_allclose(a_grad.lines[0].get_ydata(), hs["GRU"].grad_norm)
    plt.close("all")


def test_plot_sv_distribution_is_a_histogram_of_singular_values(flows, rnn_flows):
    import matplotlib.pyplot as plt

    ax = explore.plot_sv_distribution([flows["GRU"], rnn_flows["SimpleRNN"]], labels=["a", "b"])
    assert len(ax.patches) == 2 and [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    # The step outline's highest point is the fullest bin of the GRU's singular values.
    sv = flows["GRU"].jac_sv.ravel()
    top = ax.patches[0].get_xy()[:, 1].max()
    lo = min(sv.min(), rnn_flows["SimpleRNN"].jac_sv.min())
    hi = max(sv.max(), rnn_flows["SimpleRNN"].jac_sv.max())
    assert top == np.histogram(sv, bins=np.geomspace(lo, hi, 61))[0].max()
    with pytest.raises(ValueError, match="labels"):
        explore.plot_sv_distribution([flows["GRU"]], labels=["a", "b"])
    plt.close("all")


def test_plot_last_gain_labels(flows):
    import matplotlib.pyplot as plt

    ax = explore.plot_last_gain([flows["GRU"], flows["SimpleRNN"]], labels=["x", "y"])
    lines = curves(ax)
    assert [ln.get_label() for ln in lines] == ["x", "y"] and lines[1].get_linestyle() == "--"
    plt.close("all")


def test_progress_callback_moves_the_bar():
    box, cb = explore.progress("GRU", total=10)
    bar, label = box.children
    cb(4, 10, 0.125)
    assert bar.value == 4 and bar.max == 10 and "0.1250" in label.value


def test_plot_recall_and_gate():
    import matplotlib.pyplot as plt

    x, Y = train.HoldMarked(length=12, mark_by=3).sample(1, 0)
    y = {"GRU": Y[0] * 0.9}
    ax = explore.plot_recall(x[0], Y[0], y)
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), y["GRU"][:, 0])
    assert ax.lines[1].get_xdata()[0] == np.flatnonzero(x[0, :, 1])[0]        # the marker line
    z = np.random.default_rng(0).uniform(size=(12, 5))
    ax = explore.plot_gate(z, marker=2)
    np.testing.assert_array_equal(ax.images[0].get_array(), z.T)
    plt.close("all")


@pytest.mark.parametrize("model", ["GRU", "SimpleRNN"])
def test_blitted_png_is_the_full_drawing(flows, rnn_flows, model):
    """Dashboard.png redraws only what changes; the picture must equal a full savefig."""
    import io

    from PIL import Image

    board = explore.Dashboard(dpi=40)
    other = flows if model == "SimpleRNN" else rnn_flows
    board.update(other, "SimpleRNN" if model == "GRU" else "GRU")
    board.png()                                                 # a background for the other model
    board.update(flows if model == "GRU" else rnn_flows, model)
    first = board.png()
    board.update(explore.compute(explore.Setting(T=12, hidden_size=8, model=model)), model)
    second = board.png()                                        # reuses the background
    full = explore.render_png(board.fig, dpi=40)
    a, b = (np.asarray(Image.open(io.BytesIO(p)).convert("RGB"), dtype=int) for p in (second, full))
    assert a.shape == b.shape
    assert np.mean(np.any(a != b, axis=-1)) < 0.002            # at most a few edge pixels differ
    assert first != second
    # Switching away and back reuses the model's saved background: still the full drawing.
    board.update(other, "SimpleRNN" if model == "GRU" else "GRU")
    board.png()
    board.update(flows if model == "GRU" else rnn_flows, model)
    again = board.png()
    c = np.asarray(Image.open(io.BytesIO(again)).convert("RGB"), dtype=int)
    d = np.asarray(Image.open(io.BytesIO(explore.render_png(board.fig, dpi=40))).convert("RGB"), dtype=int)
    assert np.mean(np.any(c != d, axis=-1)) < 0.002
    assert again == first                                      # same state, same picture


def test_compute_recomputes_only_what_a_control_changes():
    dashboard.clear_cache()
    s = explore.Setting(T=25, hidden_size=8, bz=-2.0, seed=3)
    a = explore.compute(s)
    b = explore.compute(explore.Setting(**{**s.__dict__, "bz": -1.0}))
    assert b["SimpleRNN"].dh_norm is a["SimpleRNN"].dh_norm        # b_z does not touch the SimpleRNN
    assert not np.allclose(b["GRU"].dh_norm, a["GRU"].dh_norm)
    c = explore.compute(explore.Setting(**{**s.__dict__, "model": "SimpleRNN"}))
    assert c["GRU"].dh_norm is a["GRU"].dh_norm and c["GRU"].jac_sv.size == 0
    assert c["SimpleRNN"].jac_sv.shape == (25, 8)
    with pytest.raises(ValueError, match="read-only"):
        a["GRU"].dh_norm[0] = 1.0
    # The cached numbers are those of an uncached gradient_flow.
    x, Y = analysis.make_data(25, seed=3)
    gru = analysis.make_gru(8, seed=3, bz=-2.0)
    fresh = analysis.gradient_flow(gru, grubptt.forward(gru, x), Y, max_jacobians=40)
    np.testing.assert_allclose(a["GRU"].dh_norm, fresh.dh_norm, rtol=1e-13)
    np.testing.assert_allclose(a["GRU"].last_norm, fresh.last_norm, rtol=1e-13)
    np.testing.assert_array_equal(a["GRU"].jac_t, fresh.jac_t)
    np.testing.assert_allclose(a["GRU"].jac_sv, fresh.jac_sv, rtol=1e-13)


def test_png_writer_round_trips():
    import io
    import zlib

    from PIL import Image

    rng = np.random.default_rng(1)
    for shape in ((7, 5, 4), (1, 3, 4), (301, 97, 4)):
        rgba = rng.integers(0, 256, shape, dtype=np.uint8)
        rgba[shape[0] // 3:, : shape[1] // 2] = 255                      # a compressible white block
        for level in (0, 1, 6, 9):
            for threads in (1, 2, 3):                                     # one stream from several blocks
                png = fastdraw.png_rgb(rgba, level, threads=threads)
                assert png[:8] == b"\x89PNG\r\n\x1a\n"
                back = np.asarray(Image.open(io.BytesIO(png)))
                np.testing.assert_array_equal(back, rgba, err_msg=f"{shape} level {level} threads {threads}")
                idat = png[33 + 8:-12 - 4]                                # after IHDR and IDAT's length+tag
                assert zlib.decompress(idat)[:1] == b"\x00"              # zlib checks header and adler32
    with pytest.raises(ValueError, match="threads"):
        fastdraw.png_rgb(rgba, threads=0)


@pytest.mark.parametrize("lo, hi", [(1.3, 12.0), (0.15, 12.0), (0.9, 1.1), (1e-5, 2.0), (3e-3, 20.0),
                                    (1e-170, 1e8), (1e-300, 1e-290)])
def test_log_ticks_lie_in_range_and_are_few(lo, hi):
    v = fastdraw.log_ticks(lo, hi)
    assert 2 <= len(v) <= 7
    assert np.all((v >= lo * (1 - 1e-9)) & (v <= hi * (1 + 1e-9))) and np.all(np.diff(v) > 0)
    e = np.log10(v)
    if np.log10(hi / lo) > 6:                       # wide: powers of ten, evenly spaced exponents
        np.testing.assert_allclose(e, np.round(e), atol=1e-9)
        assert len(set(np.round(np.diff(e)))) == 1
    else:                                           # m × 10ⁿ with a one-digit m
        m = v / 10.0 ** np.floor(e + 1e-9)
        np.testing.assert_allclose(m, np.round(m), atol=1e-9)


def test_dashboard_ticks_follow_the_data(flows):
    board = explore.Dashboard(dpi=40)
    board.update(flows, "GRU")
    panels = ([board.dh], [ln for ln in board.terms.values() if ln.get_visible()], list(board.gain.values()),
              board.sv)
    for ax, (xt, yt), lines in zip(board.axes.flat, board.ticks, panels, strict=True):
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert len(xt.values) >= 2 and np.all((xt.values >= x0) & (xt.values <= x1))
        assert len(yt.values) >= 2 and np.all((yt.values >= y0) & (yt.values <= y1))
        assert yt.labels == [fastdraw.power_label(v) for v in yt.values]
        assert xt.labels == [f"{v:g}" for v in xt.values]
        for ln in lines:                           # every data point is inside the panel
            x, y = ln.get_xdata(), ln.get_ydata()
            ok = np.isfinite(y)
            assert np.all((x >= x0) & (x <= x1)) and np.all((y[ok] >= y0) & (y[ok] <= y1))


def test_label_images_share_a_baseline_and_are_cached():
    a, base_a = fastdraw._label_image("10⁻³", 9.0, 72)
    b, base_b = fastdraw._label_image("200", 9.0, 72)
    assert a.shape[0] == b.shape[0] and base_a == base_b        # one line height: labels line up
    assert a.dtype == np.uint8 and a.shape[2] == 4 and a[..., 3].max() > 200    # there is ink
    assert a.shape[1] > b.shape[1] / 3 * 2                   # "10⁻³" is wider than two digits
    assert fastdraw._label_image("200", 9.0, 72)[0] is b


def test_underflow_is_drawn_on_a_marked_floor():
    """At b_z = +4, T = 1000 the GRU's last-step gradient underflows float64: the curve ends on the floor."""
    f = explore.compute(explore.Setting(T=1000, hidden_size=16, bz=4.0))
    gain = f["GRU"].last_gain
    assert np.any(gain == 0)                            # the case exists: exact zeros from underflow
    board = explore.Dashboard(dpi=30)
    board.update(f, "GRU")
    panel = board.panels[2]
    y = board.gain["GRU"].get_ydata()
    assert np.all(np.isfinite(y))                       # no gap: the zeros are drawn ...
    np.testing.assert_array_equal(y[gain == 0], plots.FLOOR)      # ... on the floor
    assert panel.floor.get_visible() and panel.note.get_visible() and "underflow" in panel.note.get_text()
    assert board.axes[1, 0].get_ylim()[0] <= plots.FLOOR
    # A setting without underflow hides the floor and its note again.
    board.update(explore.compute(explore.Setting(T=50, hidden_size=16, bz=-2.0)), "GRU")
    assert not panel.floor.get_visible() and not panel.note.get_visible()
    # The static plot marks it the same way.
    ax = explore.plot_last_gain(list(f.values()))
    others = [ln for ln in ax.lines if ln not in curves(ax)]
    assert any(ln.get_visible() and ln.get_ydata()[0] == plots.FLOOR for ln in others)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_legends_sit_outside_the_plot_area(flows):
    """Legends never cover data: each lies right of its panel's axes."""
    board = explore.Dashboard(dpi=40)
    board.update(flows, "GRU")
    board.png()
    renderer = board.canvas.get_renderer()
    for ax in board.axes.flat:
        legend = ax.get_legend()
        if legend is not None:
            assert legend.get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1


@pytest.mark.parametrize("bad, match", [
    ({"T": -1}, "T must be an integer >= 0"), ({"T": 2.5}, "T must"), ({"hidden_size": 0}, "hidden_size"),
    ({"seed": -5}, "seed"), ({"radius": float("nan")}, "radius"), ({"radius": -1.0}, "radius"),
    ({"bz": float("inf")}, "bz"), ({"output": "relu"}, "output"), ({"model": "LSTM"}, "model"),
    ({"T": True}, "T must"),
])
def test_setting_rejects_impossible_values(bad, match):
    with pytest.raises(ValueError, match=match):
        explore.Setting(**bad)


def test_explorer_shows_exactly_the_setting_it_was_given():
    """Out-of-range settings widen the controls (never clamped), T = 0 works, odd H joins the dropdown."""
    s = explore.Setting(T=1200, hidden_size=7, seed=2**31 + 5, radius=2.37, bz=-9.3, output="tanh")
    ui = explore.explorer(s)
    c = ui.controls
    for name, value in s.__dict__.items():
        assert c[name].value == value, name
    assert c["T"].max == 1200 and c["radius"].max == 2.37 and c["bz"].min == -9.3
    assert 7 in c["hidden_size"].options
    assert ui.dashboard.suptitle.get_text() == "T = 1200"
    c["T"].value = 0                                    # T = 0: one step, no recursion
    assert ui.dashboard.suptitle.get_text() == "T = 0" and not ui.children[2].outputs
    with pytest.raises(ValueError, match="dpi"):
        explore.explorer(dpi=0)
    with pytest.raises(ValueError, match="setting must be"):
        explore.explorer({"T": 5})


def test_explorer_offers_a_picture_without_its_widget_state():
    """An unrun or untrusted notebook cannot show the widget: its saved output has a PNG as well."""
    ui = explore.explorer(explore.Setting(T=10, hidden_size=4))
    bundle = ui._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    import base64

    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png == ui.picture.value
    assert "VBox(" not in bundle["text/plain"]


def test_a_failing_update_shows_its_error(monkeypatch):
    ui = explore.explorer(explore.Setting(T=10, hidden_size=4))
    before = ui.picture.value

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(ui.dashboard, "update", broken)
    ui.controls["T"].value = 11
    errors = ui.children[2]
    assert ui.picture.value == before and errors.outputs and "boom" in str(errors.outputs)
    monkeypatch.undo()
    ui.controls["T"].value = 12
    assert not errors.outputs and ui.picture.value != before
