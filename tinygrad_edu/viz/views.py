"""The pictures an explorer page switches between: the model with one more module call open in each.

A web page cannot run Graphviz, so ``explore`` draws them beforehand: the first view as ``draw_graph`` would
(the outermost calls open, and those ``expand`` names), then one view per module call, the biggest calls
first, each with that call and the calls around it open, at most ``max_views`` in all. A call of one op
and nothing inside gets no view: its box already says which op it is. For each view the page learns which
box holds each op hidden in it, which view each box opens and which view each frame's label closes to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .graph import GraphSpec
from .modules import Call, Calls, opened

#: how many pictures an explorer holds at most, unless told otherwise (each is a full SVG of the graph)
MAX_VIEWS = 12


@dataclass
class View:
    call: Call | None  # the call this view opens (None: the first view)
    expand: list = field(default_factory=list)  # what draw_graph(expand=...) draws it with
    spec: GraphSpec | None = None


def plan(calls: Calls, expand: Any, max_views: int) -> list[View]:
    """The views to draw: the first, then the biggest calls not open in it (ties: outer ones first)."""
    given = [] if expand is None or isinstance(expand, bool) else [expand] if isinstance(expand, str) \
        else list(expand)
    views = [View(None, expand if isinstance(expand, bool) else given)]
    if expand is True:
        return views
    already = opened(calls, expand)
    size = {call: sum(1 for _ in call.all_ops()) for call in calls.calls}
    candidates = [c for c in calls.calls if c not in already and (c.children or size[c] > 1)]
    candidates.sort(key=lambda c: (-size[c], len(list(c.chain())), c.index))
    base = [] if expand is False else given
    views += [View(call, [*base, call]) for call in candidates[:max(0, max_views - 1)]]
    return views


def page_views(views: list[View], spec_of: Callable[[View], GraphSpec]) -> list[dict]:
    """Each view as the page's script needs it (``spec_of`` draws a view's graph as data)."""
    for view in views:
        view.spec = spec_of(view)
    # each drawing finds the calls anew: a call is known by its start, the same in all of them
    first = {call.start for call in opened(views[0].spec.calls, views[0].expand)}
    index = {view.call.start: number for number, view in enumerate(views) if view.call is not None}

    def view_of(call: Call | None) -> int | None:  # where a click on ``call`` leads: its view, or the first
        return 0 if call is None or call.start in first else index.get(call.start)

    result = []
    for view in views:
        spec = view.spec
        chain = list(view.call.chain())[::-1] if view.call is not None else []
        result.append({
            "name": view.call.name if view.call is not None else None,
            "crumbs": [[call.name, view_of(call)] for call in chain],
            "close": view_of(view.call.parent) if view.call is not None else None,
            "units": {spec.op_keys[fn]: key for fn, key in spec.shown_as.items() if key != spec.op_keys[fn]},
            "opens": {box.key: index.get(box.call.start) for box in spec.boxes},
            "closes": {cluster.key: view_of(cluster.call.parent) for cluster in spec.clusters
                       if cluster.call.start not in first},
            "kinds": {box.key: f"{box.name} ({box.kind}, {box.summary})" for box in spec.boxes},
        })
    return result
