"""The book's diagrams: right nodes and edges, highlight colours, argument validation, determinism."""

import io

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import grubptt  # noqa: E402
from grubptt import figures  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _gids(fig: Figure, prefix: str) -> dict[str, object]:
    """Artists whose gid starts with ``prefix`` (nodes, edges, labels), keyed by gid."""
    found = {}
    for ax in fig.axes:
        for artist in ax.get_children():
            gid = artist.get_gid()
            if gid and gid.startswith(prefix):
                found[gid] = artist
    return found


def _texts(fig: Figure) -> set[str]:
    return {t.get_text() for ax in fig.axes for t in ax.texts}


def _edge_color(fig: Figure, gid: str) -> str:
    return to_hex(_gids(fig, "edge:")[gid].arrow_patch.get_edgecolor())


def test_path_colors_cover_exactly_the_paths_and_are_distinct():
    assert set(figures.PATH_COLORS) == set(grubptt.PATHS)
    assert list(figures.TERM_COLORS) == list(grubptt.TERMS)
    assert len(set(figures.TERM_COLORS.values())) == len(grubptt.TERMS)
    assert figures.FADED_COLOR.lower() not in {c.lower() for c in figures.TERM_COLORS.values()}


@pytest.mark.parametrize("T", [0, 1, 3, 4])
def test_unrolled_has_every_step(T):
    fig = figures.draw_unrolled(T)
    assert isinstance(fig, Figure)
    nodes = _gids(fig, "node:")
    assert "node:h-1" in nodes
    for t in range(T + 1):
        for name in (f"x{t}", f"cell{t}", f"dense{t}", f"y{t}", f"Y{t}", f"L{t}"):
            assert f"node:{name}" in nodes
    assert f"node:cell{T + 1}" not in nodes
    texts = _texts(fig)
    assert "$h^{(-1)}$" in texts and f"$x^{{({T})}}$" in texts and f"$L^{{({T})}}$" in texts
    # One recurrent edge into every cell: from h^(-1) or from the previous cell.
    edges = _gids(fig, "edge:forward:")
    assert "edge:forward:h-1->cell0" in edges
    for t in range(1, T + 1):
        assert f"edge:forward:cell{t - 1}->cell{t}" in edges


def test_unrolled_elides_the_middle_of_long_sequences():
    fig = figures.draw_unrolled(9)
    nodes = _gids(fig, "node:")
    assert "node:dots" in nodes
    assert {"node:cell0", "node:cell1", "node:cell8", "node:cell9"} <= set(nodes)
    assert "node:cell4" not in nodes


@pytest.mark.parametrize("bad", [-1, 2.0, "3", True, None])
def test_unrolled_rejects_bad_T(bad):
    with pytest.raises(ValueError, match="T must be"):
        figures.draw_unrolled(bad)


def test_dense_relation_forward_and_backward_edges():
    fig = figures.draw_dense_relation()
    assert isinstance(fig, Figure)
    nodes = _gids(fig, "node:")
    for name in ("hT-1", "hT", "cellT", "xT", "denseT-1", "denseT", "LT-1", "LT", "YT", "YT-1"):
        assert f"node:{name}" in nodes
    assert "edge:forward:hT-1->cellT" in _gids(fig, "edge:")
    assert "edge:forward:cellT->hT" in _gids(fig, "edge:")
    # Backward edges point from the losses to the states, and from h^(T) back to h^(T-1),
    # dashed so they are told apart from the forward edges.
    for gid in ("edge:backward:LT->hT", "edge:backward:LT-1->hT-1", "edge:backward:hT->hT-1"):
        patch = _gids(fig, "edge:")[gid].arrow_patch
        assert patch.get_linestyle() not in ("-", "solid")
    fwd = _gids(fig, "edge:")["edge:forward:cellT->hT"].arrow_patch
    assert fwd.get_linestyle() in ("-", "solid")
    assert _edge_color(fig, "edge:backward:LT->hT") == figures.TERM_COLORS["grad_dense"].lower()
    assert any("grad}_{dense}^{(T)}" in t for t in _texts(fig))


def test_step_graph_has_every_node_and_the_four_entry_edges():
    fig = figures.draw_step_graph()
    nodes = _gids(fig, "node:")
    for name in ("h", "a_z", "z", "a_r", "r", "rh", "a_h", "hh", "hn", "x_z", "x_r", "x_h"):
        assert f"node:{name}" in nodes
    edges = _gids(fig, "edge:")
    entry = {"update_gate": "h->a_z", "reset_gate": "h->a_r", "candidate": "h->rh", "carry": "h->hn"}
    for path, e in entry.items():
        assert f"edge:{path}:{e}" in edges
        assert _edge_color(fig, f"edge:{path}:{e}") == figures.PATH_COLORS[path].lower()
    # h^(t) leaves by exactly these four edges.
    assert sorted(g for g in edges if ":h->" in g) == sorted(f"edge:{p}:{e}" for p, e in entry.items())
    labels = " ".join(_texts(fig))
    for path in grubptt.PATHS:
        assert f"{path}:" in labels


@pytest.mark.parametrize("path", sorted(grubptt.PATHS))
def test_step_graph_highlight_colours_the_path_and_fades_the_rest(path):
    fig = figures.draw_step_graph(highlight=path)
    strong = figures.PATH_COLORS[path].lower()
    faded = figures.FADED_COLOR.lower()
    colours = {gid: _edge_color(fig, gid) for gid in _gids(fig, "edge:")}
    highlighted = {g for g, c in colours.items() if c == strong}
    assert highlighted, "the highlighted path has no strong edges"
    assert all(c in (strong, faded) for c in colours.values())
    # The strong edges form a route from h^(t) to h^(t+1) that starts with this path's entry edge.
    pairs = [tuple(g.split(":")[-1].split("->")) for g in highlighted]
    # Walk the strong edges from h^(t): they must lead to h^(t+1) and every one must be on the walk.
    reached, frontier = {"h"}, ["h"]
    while frontier:
        a = frontier.pop()
        for u, v in pairs:
            if u == a and v not in reached:
                reached.add(v)
                frontier.append(v)
    assert "hn" in reached
    assert all(u in reached for u, _ in pairs)
    assert any(g.startswith(f"edge:{path}:h->") for g in highlighted)
    for other in set(grubptt.PATHS) - {path}:
        assert not any(g.startswith(f"edge:{other}:") for g in highlighted)
    assert path in fig.axes[0].get_title()


def test_step_graph_highlight_routes_differ():
    routes = []
    for path in grubptt.PATHS:
        fig = figures.draw_step_graph(highlight=path)
        strong = figures.PATH_COLORS[path].lower()
        route = frozenset(g.split(":")[-1] for g in _gids(fig, "edge:") if _edge_color(fig, g) == strong)
        routes.append(route)
        plt.close(fig)
    assert len(set(routes)) == 4
    assert frozenset({"h->hn"}) in routes  # the carry path is the direct edge alone


@pytest.mark.parametrize("bad", ["update", "Update_gate", "h_z", 3, ""])
def test_step_graph_rejects_unknown_highlight(bad):
    with pytest.raises(ValueError, match="highlight must be one of"):
        figures.draw_step_graph(highlight=bad)


def test_chain_rule_example_sum_over_paths():
    fig = figures.draw_chain_rule_example()
    nodes = _gids(fig, "node:")
    assert {f"node:{n}" for n in ("x", "w", "p", "q", "s", "L")} <= set(nodes)
    edges = _gids(fig, "edge:")
    # x is used twice, so two backward edges arrive at x.
    assert sorted(g for g in edges if g.startswith("edge:backward:") and g.endswith("->x")) == [
        "edge:backward:p->x", "edge:backward:s->x"]
    fig2 = figures.draw_chain_rule_example(backward=False)
    assert not _gids(fig2, "edge:backward:")


def test_draws_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert figures.draw_step_graph("carry", ax=axes[1]) is fig
    assert _gids(fig, "node:hn") and not [a for a in axes[0].get_children() if a.get_gid()]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40, metadata={"Software": None})
    return buf.getvalue()


@pytest.mark.parametrize("draw", [lambda: figures.draw_unrolled(3), figures.draw_dense_relation,
                                  lambda: figures.draw_step_graph("candidate"),
                                  figures.draw_chain_rule_example])
def test_drawings_are_deterministic(draw):
    assert _png(draw()) == _png(draw())
