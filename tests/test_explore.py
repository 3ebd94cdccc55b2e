"""grubptt.explore: the plots and the live explorer build and show the right data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import grubptt  # noqa: E402
from grubptt import analysis, dashboard, explore, plots, train, widget  # noqa: E402


def curves(ax):
    """The data lines of a plot (not the floor or reference lines, whose labels start with "_")."""
    return [ln for ln in ax.lines if not ln.get_label().startswith("_")]


@pytest.fixture(autouse=True)
def close_widgets():
    """Close the widgets each test makes: ipywidgets keeps every open one in a process-wide registry,
    and ipywidgets.embed.embed_data (tests/test_site_checker.py's widget page) saves all of them."""
    yield
    import ipywidgets

    ipywidgets.Widget.close_all()


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
def test_dashboard_figure_shows_the_flow(flows, rnn_flows, model):
    flows = flows if model == "GRU" else rnn_flows
    fig = explore.draw_dashboard(flows, model)
    f = flows[model]
    dh, terms, gain, sv = fig.axes
    np.testing.assert_allclose(curves(dh)[0].get_ydata(), f.dh_norm)
    assert {ln.get_label() for ln in curves(terms)} == {k.replace("_", " ") for k in f.term_norms}
    np.testing.assert_allclose(curves(gain)[1].get_ydata(), flows["SimpleRNN"].last_gain)
    np.testing.assert_allclose(curves(sv)[0].get_ydata(), f.jac_sv[:, 0])
    png = explore.render_png(fig, dpi=30)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.get_suptitle() == "T = 30"
    with pytest.raises(ValueError, match="model must be"):
        explore.draw_dashboard(flows, "LSTM")


def test_frame_carries_the_numbers_as_float64_buffers(flows):
    """What the canvas gets: the setting, and every array bit-exact as little-endian float64 bytes."""
    s = explore.Setting(T=30, hidden_size=8, bz=-2.0)
    fr = widget.frame(flows, s)
    assert fr["setting"] == {"T": 30, "H": 8, "seed": 0, "radius": 1.0, "bz": -2.0, "output": "identity",
                             "model": "GRU"}
    back = lambda b: np.frombuffer(b, dtype="<f8")  # noqa: E731
    for m, f in flows.items():
        g = fr["flows"][m]
        assert g["T"] == 30 and g["H"] == 8 and list(g["term_norms"]) == list(f.term_norms)
        np.testing.assert_array_equal(back(g["dh_norm"]), f.dh_norm)
        np.testing.assert_array_equal(back(g["last_gain"]), f.last_gain)
        np.testing.assert_array_equal(back(g["jac_t"]), f.jac_t)
        np.testing.assert_array_equal(back(g["jac_sv"]), f.jac_sv.ravel())
        for k, v in f.term_norms.items():
            np.testing.assert_array_equal(back(g["term_norms"][k]), v)
        assert all(isinstance(v, bytes) for v in (g["dh_norm"], g["jac_sv"]))   # binary buffers, not JSON


def test_canvas_module_is_package_data():
    """The widget's ES module is the shared drawing code (also served to the book) plus the widget part."""
    from importlib.resources import files

    shared = (files("grubptt") / "js" / "dashboard.js").read_text(encoding="utf-8")
    esm = widget.dashboard_canvas()._esm
    assert esm.startswith(shared) and "export default" in esm and "grubpttDashboard.drawDashboard" in esm
    assert esm.count("function drawPanel(") == 1


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


def test_explorer_builds_and_responds():
    ui = explore.explorer(explore.Setting(T=20, hidden_size=8))
    c = ui.controls
    assert set(c) == {"T", "hidden_size", "seed", "radius", "bz", "output", "model"}
    assert c["T"].min == 0 and c["T"].max >= 500
    shown = lambda: ui.canvas.frame["setting"]  # noqa: E731
    assert shown()["T"] == 20                                   # the first picture, on creation
    c["T"].value = 37
    assert shown()["T"] == 37 and ui.canvas.frame["flows"]["GRU"]["T"] == 37
    assert np.frombuffer(ui.canvas.frame["flows"]["GRU"]["dh_norm"]).size == 38
    c["model"].value = "SimpleRNN"
    assert shown()["model"] == "SimpleRNN"
    assert list(ui.canvas.frame["flows"]["SimpleRNN"]["term_norms"]) == ["grad_dense", "recurrent"]
    c["hidden_size"].value = 16
    sv = np.frombuffer(ui.canvas.frame["flows"]["SimpleRNN"]["jac_sv"])
    assert shown()["H"] == 16 and sv.size == 37 * 16       # Jacobians of the shown model, 37 steps


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


def test_underflow_is_drawn_on_a_marked_floor():
    """At b_z = +4, T = 1000 the GRU's last-step gradient underflows float64: the curve ends on the floor."""
    f = explore.compute(explore.Setting(T=1000, hidden_size=16, bz=4.0))
    gain = f["GRU"].last_gain
    assert np.any(gain == 0)                            # the case exists: exact zeros from underflow
    ax = explore.draw_dashboard(f, "GRU").axes[2]
    y = curves(ax)[0].get_ydata()
    assert np.all(np.isfinite(y))                       # no gap: the zeros are drawn ...
    np.testing.assert_array_equal(y[gain == 0], plots.FLOOR)      # ... on the floor
    others = [ln for ln in ax.lines if ln not in curves(ax)]
    assert any(ln.get_visible() and ln.get_ydata()[0] == plots.FLOOR for ln in others)
    assert any(t.get_visible() and "underflow" in t.get_text() for t in ax.texts)
    assert ax.get_ylim()[0] <= plots.FLOOR
    # A setting without underflow shows neither the floor nor its note.
    quiet = explore.compute(explore.Setting(T=50, hidden_size=16, bz=-2.0))
    ax = explore.draw_dashboard(quiet, "GRU").axes[2]
    assert not any(t.get_visible() for t in ax.texts)


def test_legends_sit_outside_the_plot_area(flows):
    """Legends never cover data: each lies right of its panel's axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = explore.draw_dashboard(flows, "GRU")
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    assert sum(ax.get_legend() is not None for ax in fig.axes) == 3      # terms, distance, singular values
    for ax in fig.axes:
        if ax.get_legend() is not None:
            assert ax.get_legend().get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1


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
    assert ui.canvas.frame["setting"] == widget.frame(explore.compute(s), s)["setting"]
    assert ui.canvas.frame["setting"]["seed"] == 2**31 + 5
    c["T"].value = 0                                    # T = 0: one step, no recursion
    assert ui.canvas.frame["setting"]["T"] == 0 and not ui.children[2].outputs
    assert ui.canvas.frame["flows"]["GRU"]["jac_t"] == b""       # no step Jacobian at T = 0
    with pytest.raises(ValueError, match="t_max"):
        explore.explorer(t_max=0)
    with pytest.raises(ValueError, match="setting must be"):
        explore.explorer({"T": 5})


def test_explorer_offers_a_picture_without_its_widget_state():
    """An unrun notebook on a page without widgets cannot show the canvas: its saved output has a PNG too."""
    import base64
    import io

    from PIL import Image

    ui = explore.explorer(explore.Setting(T=10, hidden_size=4))
    bundle = ui._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    picture = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert picture.shape[1] >= 700 and picture.std() > 10          # a laptop-sized picture, not blank
    assert "VBox(" not in bundle["text/plain"]


def test_a_failing_update_shows_its_error(monkeypatch):
    ui = explore.explorer(explore.Setting(T=10, hidden_size=4))
    before = ui.canvas.frame

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(ui.canvas, "show", broken)
    ui.controls["T"].value = 11
    errors = ui.children[2]
    assert ui.canvas.frame is before and errors.outputs and "boom" in str(errors.outputs)
    monkeypatch.undo()
    ui.controls["T"].value = 12
    assert not errors.outputs and ui.canvas.frame["setting"]["T"] == 12
