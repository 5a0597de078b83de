"""The backward explorer's page: its HTML skeleton, its style and its script (no network, no libraries).

``explore.py`` fills in the graph's SVG and the steps as JSON. ``ROOT_ID`` in the script stands for the
explorer's id. The script keeps every lookup inside the
explorer's own ``<div>``, so several explorers can live in one notebook, and sets text only through
``textContent``, so tensor names are shown exactly as written.

The page follows the step: the buttons stay at the top of the window, and after each step the op at work
is scrolled into view when it is not in view already. When the explorer is wide (a browser window, not a
notebook column) the panel sits beside the picture and stays in view while the picture scrolls.

A model's picture has a box per module call (``views.py``): the page holds one picture per view, and shows
one at a time. Clicking a box shows the view that opens it, clicking an open call's frame label (or "close")
the view without it; an op hidden in a box is shown by its box.
"""

from __future__ import annotations

STYLE = """
.tgx { font: 14px/1.4 Helvetica, Arial, sans-serif; color: #222; max-width: 1000px; outline: none;
       container-type: inline-size; }
.tgx.wide { max-width: 1600px; }
.tgx:focus-visible { box-shadow: 0 0 0 2px #9ab; }
.tgx .controls { display: flex; gap: 8px; align-items: center; position: sticky; top: 0;
                 background: #fff; padding: 6px 0; z-index: 1; }
.tgx .controls input[type=range] { flex: 1; }
.tgx .controls .now { font-weight: bold; min-width: 9em; }
.tgx button { font: inherit; padding: 2px 10px; }
.tgx .panel { border: 1px solid #ccc; border-radius: 6px; padding: 8px 12px; margin: 6px 0; }
.tgx h3 { margin: 0 0 4px 0; font-size: 16px; }
.tgx .rule, .tgx .value, .tgx td.grad { font-family: Menlo, Consolas, monospace; font-size: 13px;
                                         white-space: pre-wrap; }
.tgx .arriving .value { color: #b00000; }
.tgx li.new, .tgx li.new .value, .tgx tr.new td { color: #6a1b9a; font-weight: bold; }
.tgx .note { color: #666; font-size: 12px; }
.tgx table { border-collapse: collapse; margin-top: 4px; }
.tgx td, .tgx th { border-bottom: 1px solid #eee; padding: 2px 8px; text-align: left; vertical-align: top; }
.tgx .picture svg { max-width: 100%; height: auto; }
@container (min-width: 1150px) {  /* room for both: the panel beside the picture, in view while it scrolls */
  .tgx .layout { display: grid; grid-template-columns: 380px minmax(0, 1fr); gap: 12px; align-items: start; }
  .tgx .layout .panel { position: sticky; top: var(--bar, 48px); overflow: auto;
                        max-height: calc(100vh - var(--bar, 48px) - 12px); }
}
.tgx g.node.current > polygon, .tgx g.node.current > path { stroke: #d00000; stroke-width: 4px;
                                                             fill: #ffd6d6; }
.tgx g.node.known > polygon, .tgx g.node.known > path { stroke: #b00000; stroke-width: 2px; }
.tgx g.node.partial > polygon, .tgx g.node.partial > path { stroke-dasharray: 6 3; }
.tgx g.node.new > polygon, .tgx g.node.new > path { stroke: #6a1b9a; stroke-width: 4px; }
.tgx g.edge.current > path { stroke: #d00000; stroke-width: 2.5px; }
.tgx g.edge.current > polygon { stroke: #d00000; fill: #d00000; }
.tgx g.node.openable { cursor: pointer; }
.tgx g.cluster.closable > text { cursor: pointer; text-decoration: underline; }
.tgx .controls { flex-wrap: wrap; }
.tgx .crumbs { flex-basis: 100%; font-size: 13px; }
.tgx .crumbs:empty { display: none; }
.tgx .crumbs button { font-size: 13px; padding: 0 6px; }
.tgx [hidden] { display: none !important; }
"""

BODY = """
<div class="controls">
  <button type="button" data-part="previous-box" title="to the end of the box before (shift + left arrow)"
    hidden>&#9664;&#9664; box</button>
  <button type="button" data-part="previous" title="previous step (left arrow)">&#9664; previous</button>
  <button type="button" data-part="next" title="next step (right arrow)">next &#9654;</button>
  <button type="button" data-part="next-box" title="to the end of the next box (shift + right arrow)"
    hidden>box &#9654;&#9654;</button>
  <input type="range" data-part="slider" min="0" max="0" value="0" aria-label="backward step">
  <span data-part="position"></span>
  <span class="now" data-part="now"></span>
  <div class="crumbs" data-part="crumbs"></div>
</div>
<div class="layout">
<div class="panel">
  <h3 data-part="heading"></h3>
  <div class="note" data-part="where"></div>
  <div class="rule" data-part="rule"></div>
  <div class="arriving" data-part="arriving-line"><span data-part="arriving-label"></span>
    <span class="value" data-part="arriving"></span></div>
  <ul data-part="sends"></ul>
  <div><b>.grad of the leaves</b> <span class="note">(what the optimizer reads after backward)</span></div>
  <table data-part="leaves"><tbody></tbody></table>
  <div class="note" data-part="more-leaves"></div>
  <details><summary>every tensor's gradient so far</summary>
    <table data-part="tensors"><tbody></tbody></table></details>
</div>
<div class="picture" data-part="picture"><div class="note" data-part="message"></div>PICTURE</div>
</div>
<div class="note" data-part="help">Buttons, the slider or the arrow keys (click the explorer first) step
  through backward. Red: the op at work and the gradients known so far (dashed: still waiting for a part);
  purple: the gradients this step sent. A double box is a module call: click it to open it.</div>
"""

SCRIPT = r"""
(function (rootId) {
  const root = document.getElementById(rootId);
  const data = JSON.parse(root.querySelector("script[data-part=data]").textContent);
  const part = (name) => root.querySelector("[data-part=" + name + "]");
  const n = data.steps.length;
  const MANY_LEAVES = 12;
  const AT_WORK = {};  // openView's focus: the op (or box) of the step shown
  const slider = part("slider");
  slider.max = String(n);
  const views = Array.from(root.querySelectorAll("[data-part=view]"));
  let byTitle = {};  // the nodes, edges and frames of the view shown, by their Graphviz names
  const view = () => data.views[Number(root.dataset.view || 0)];
  const unit = (key) => view().units[key] || key;  // an op hidden in a box is shown by its box
  const unitAt = (k) => (k > 0 ? unit(data.steps[k - 1].key) : null);
  const tensor = (i) => data.tensors[i];
  const d = (i) => "d " + data.loss + "/d" + (tensor(i).name.includes(" ") ? "(" + tensor(i).name + ")"
                                                                             : " " + tensor(i).name);
  function stateAt(k) {  // tensor index -> [summary, status], and the tensors step k sent to
    const state = Object.assign({}, data.initial);
    for (let s = 0; s < k; s++) data.steps[s].updates.forEach(([i, text, complete]) => {
      state[i] = [text, complete ? "complete" : "partial"];
    });
    const fresh = new Set(k > 0 ? data.steps[k - 1].updates.map((u) => u[0]) : []);
    return [state, fresh];
  }
  function row(table, cells, isNew, name) {
    const tr = document.createElement("tr");
    if (isNew) tr.className = "new";
    tr.dataset.name = name;
    cells.forEach(([text, cls]) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      tr.appendChild(td);
    });
    table.querySelector("tbody").appendChild(tr);
  }
  function mark(key, cls) { if (key !== null && byTitle[key]) byTitle[key].classList.add(cls); }
  function reveal(key) {  // centre the box unless it is well in view (below the sticky buttons) already
    const g = key === null ? undefined : byTitle[key];
    if (!g) return;
    const box = g.getBoundingClientRect(), bar = root.querySelector(".controls").getBoundingClientRect();
    const margin = Math.min(80, (window.innerHeight - bar.bottom) / 6);  // room for its neighbours
    if (box.top >= bar.bottom + margin && box.bottom <= window.innerHeight - margin && box.left >= 0 &&
        box.right <= window.innerWidth) return;
    const tall = box.height > window.innerHeight - bar.bottom - 2 * margin;  // a big frame: show its top
    g.style.scrollMarginTop = (bar.height + margin) + "px";
    g.scrollIntoView({block: tall ? "start" : "center", inline: "nearest"});
  }
  function openView(i, focusKey) {  // show picture i: the same step, with other module calls open
    if (i === null || i === undefined || !views[i]) return;
    views.forEach((v, j) => { v.hidden = j !== i; });
    root.dataset.view = String(i);
    byTitle = {};
    views[i].querySelectorAll("g.node, g.edge, g.cluster").forEach((g) => {
      const title = g.querySelector("title");
      if (title) byTitle[title.textContent] = g;
    });
    Object.entries(view().opens).forEach(([key, to]) => {
      if (byTitle[key]) byTitle[key].classList.toggle("openable", to !== null);
    });
    Object.entries(view().closes).forEach(([key, to]) => {
      if (byTitle[key] && to !== null) byTitle[key].classList.add("closable");
    });
    crumbs();
    part("message").textContent = "";
    show(Number(root.dataset.step || 0), false);
    if (focusKey) reveal(focusKey === AT_WORK ? unitAt(Number(root.dataset.step)) : focusKey);
  }
  function crumbs() {  // where we are: the open calls, each a button back to its view; and "close"
    const bar = part("crumbs"), v = view();
    bar.textContent = "";
    if (v.name === null) {
      if (Object.keys(v.opens).length) bar.textContent = "Click a module box (double border) to open it.";
      root.style.setProperty("--bar", root.querySelector(".controls").offsetHeight + "px");
      return;
    }
    v.crumbs.forEach(([name, to], j) => {
      if (j) bar.append(" \u203a ");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      button.disabled = to === null || j === v.crumbs.length - 1;
      button.addEventListener("click", () => openView(to, "cluster_" + name));
      bar.appendChild(button);
    });
    const close = document.createElement("button");
    close.type = "button";
    close.dataset.part = "close";
    close.textContent = "\u2715 close " + v.name;
    close.addEventListener("click", () => openView(v.close, null));
    bar.append("  ", close);
    root.style.setProperty("--bar", root.querySelector(".controls").offsetHeight + "px");  // the panel's top
  }
  function show(k, follow) {
    k = Math.max(0, Math.min(n, k));
    root.dataset.step = String(k);
    slider.value = String(k);
    part("position").textContent = "step " + k + " of " + n;
    part("now").textContent = k > 0 ? data.steps[k - 1].op : "start";
    part("previous-box").disabled = k === 0;
    part("next-box").disabled = k === n;
    part("previous").disabled = k === 0;
    part("next").disabled = k === n;
    const [state, fresh] = stateAt(k);
    const step = k > 0 ? data.steps[k - 1] : null;
    const sends = part("sends");
    sends.textContent = "";
    const hidden = step !== null && unit(step.key) !== step.key;
    const opens = hidden && view().opens[unit(step.key)] != null;  // a box of one op has no view of its own
    part("where").textContent = step === null || step.module === null ? "" : "inside " + step.module +
      (hidden ? ", drawn as one box" + (opens ? ": click the box to open it" : "") : "");
    if (step === null) {
      part("heading").textContent = "Backward starts at " + data.loss + " = " + data.value;
      part("rule").textContent = "no op has run yet: press next";
      part("arriving-label").textContent = "d " + data.loss + "/d " + data.loss + " =";
      part("arriving").textContent = data.seed;
    } else {
      const inputs = step.sends.map((s) => tensor(s.tensor).name).join(", ");
      part("heading").textContent = "Step " + k + " of " + n + ": " + step.op + "   (" + inputs + ")  ->  " +
        tensor(step.output).name;
      part("rule").textContent = "rule: " + step.rule;
      part("arriving-label").textContent = "arriving: " + d(step.output) + " =";
      part("arriving").textContent = step.arriving;
      step.sends.forEach((s) => {
        const li = document.createElement("li");
        li.dataset.arg = s.arg;
        const head = "to " + s.arg + " (" + tensor(s.tensor).name + "): ";
        if (s.grad === null) { li.textContent = head + "nothing, it does not require grad"; }
        else {
          li.className = "new";
          li.append(head + d(s.tensor) + " = ");
          const value = document.createElement("span");
          value.className = "value";
          value.textContent = s.grad;
          li.appendChild(value);
          if (s.note) { const note = document.createElement("span"); note.className = "note";
                        note.textContent = "   (" + s.note + ")"; li.appendChild(note); }
        }
        sends.appendChild(li);
      });
    }
    ["leaves", "tensors"].forEach((name) => { part(name).querySelector("tbody").textContent = ""; });
    const many = data.leaves.length > MANY_LEAVES;  // a model's dozens: only those this step reached
    const shown = many ? data.leaves.filter((i) => fresh.has(i)) : data.leaves;
    part("more-leaves").textContent = !many ? "" : (shown.length ? "" : "none at this step; ") +
      "the other " + (data.leaves.length - shown.length) + " are in \u201cevery tensor's gradient\u201d";
    shown.forEach((i) => {
      const known = state[i];
      const text = known ? known[0] : "None";
      const status = !known ? "" : known[1] === "earlier" ? "from an earlier backward" :
                     known[1] === "partial" ? "so far" : "";
      row(part("leaves"), [[tensor(i).name + ".grad", "name"], [text, "grad"], [status, "note"]],
          fresh.has(i), tensor(i).name);
    });
    data.tensors.forEach((t, i) => {
      if (!t.needs_grad) return;
      const known = state[i];
      row(part("tensors"), [[t.name, "name"], [t.shape, "note"],
                             [known ? known[0] : "not reached yet", "grad"],
                             [known ? known[1] : "", "note"]], fresh.has(i), t.name);
    });
    Object.values(byTitle).forEach((g) => g.classList.remove("current", "known", "partial", "new"));
    Object.entries(state).forEach(([i, [, status]]) => {
      if (status === "earlier") return;
      mark(tensor(i).key, "known");
      if (status === "partial") mark(tensor(i).key, "partial");
    });
    fresh.forEach((i) => mark(tensor(i).key, "new"));
    const at = step !== null ? unit(step.key) : null;
    if (at !== null) {
      mark(at, "current");
      step.sends.forEach((s) => {
        if (s.grad !== null) mark(tensor(s.tensor).key + "->" + at, "current");
      });
      mark(at + "->" + tensor(step.output).key, "current");
    }
    if (follow) reveal(at !== null ? at : tensor(data.output).key);  // the start: the loss
  }
  function boxStep(direction) {  // to the last step of the next (or the previous) box of the picture
    const k = Number(root.dataset.step);
    let j = k;
    if (direction > 0 && k < n) {
      j = k + 1;
      while (j < n && unitAt(j + 1) === unitAt(k + 1)) j++;
    } else if (direction < 0) {
      while (j > 0 && unitAt(j) === unitAt(k)) j--;
    }
    show(j, true);
  }
  part("previous-box").addEventListener("click", () => boxStep(-1));
  part("next-box").addEventListener("click", () => boxStep(1));
  root.addEventListener("click", (event) => {
    const g = event.target.closest && event.target.closest("g.node, g.cluster");
    const title = g && g.querySelector("title");
    if (!title) return;
    const key = title.textContent, v = view();
    if (key in v.opens) {
      const k = Number(root.dataset.step);  // the op at work inside the box: show it, else the box's frame
      if (v.opens[key] !== null) openView(v.opens[key], unitAt(k) === key ? AT_WORK : "cluster_" + key);
      else part("message").textContent = v.kinds[key] + ": this page holds no picture of its inside; " +
        "draw it with draw_graph(loss, expand=[name]), or explore(loss, expand=[name]) or more max_views.";
    } else if (key in v.closes && v.closes[key] !== null) {
      openView(v.closes[key], key.replace("cluster_", ""));
    }
  });
  part("previous").addEventListener("click", () => show(Number(root.dataset.step) - 1, true));
  part("next").addEventListener("click", () => show(Number(root.dataset.step) + 1, true));
  slider.addEventListener("input", () => show(Number(slider.value), true));
  root.addEventListener("keydown", (event) => {
    if (event.target === slider) return;  // the slider moves itself (and says so with "input")
    const moves = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
    const boxes = {PageDown: 1, PageUp: -1};
    let k = Number(root.dataset.step);
    if (event.shiftKey && event.key in moves) { event.preventDefault(); boxStep(moves[event.key]); return; }
    if (event.key in boxes) { event.preventDefault(); boxStep(boxes[event.key]); return; }
    if (event.key in moves) k += moves[event.key];
    else if (event.key === "Home") k = 0;
    else if (event.key === "End") k = n;
    else return;
    event.preventDefault();
    show(k, true);
  });
  const anyBoxes = data.views.some((v) => Object.keys(v.opens).length > 0);
  part("previous-box").hidden = part("next-box").hidden = !anyBoxes;
  root.dataset.step = "0";
  if (views.length) openView(0, null); else show(0, false);  // not scrolled: a notebook must not jump
  // a picture drawn without `dot` arrives later (viz/wasm.py): index the view shown again
  root.addEventListener("tinygrad-edu-picture", () => openView(Number(root.dataset.view || 0), null));
  if (root.dataset.focus === "yes") root.focus({preventScroll: true});
})(ROOT_ID);
"""
