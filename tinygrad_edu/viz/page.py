"""The backward explorer's page: its HTML skeleton, its style and its script (no network, no libraries).

``explore.py`` fills in the graph's SVG and the steps as JSON. ``ROOT_ID`` in the script stands for the
explorer's id. The script keeps every lookup inside the
explorer's own ``<div>``, so several explorers can live in one notebook, and sets text only through
``textContent``, so tensor names are shown exactly as written.

The page follows the step: the buttons stay at the top of the window, and after each step the op at work
is scrolled into view when it is not in view already. When the explorer is wide (a browser window, not a
notebook column) the panel sits beside the picture and stays in view while the picture scrolls.
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
  .tgx .layout .panel { position: sticky; top: 48px; max-height: calc(100vh - 60px); overflow: auto; }
}
.tgx g.node.current > polygon, .tgx g.node.current > path { stroke: #d00000; stroke-width: 4px;
                                                             fill: #ffd6d6; }
.tgx g.node.known > polygon, .tgx g.node.known > path { stroke: #b00000; stroke-width: 2px; }
.tgx g.node.partial > polygon, .tgx g.node.partial > path { stroke-dasharray: 6 3; }
.tgx g.node.new > polygon, .tgx g.node.new > path { stroke: #6a1b9a; stroke-width: 4px; }
.tgx g.edge.current > path { stroke: #d00000; stroke-width: 2.5px; }
.tgx g.edge.current > polygon { stroke: #d00000; fill: #d00000; }
"""

BODY = """
<div class="controls">
  <button type="button" data-part="previous" title="previous step (left arrow)">&#9664; previous</button>
  <button type="button" data-part="next" title="next step (right arrow)">next &#9654;</button>
  <input type="range" data-part="slider" min="0" max="0" value="0" aria-label="backward step">
  <span data-part="position"></span>
  <span class="now" data-part="now"></span>
</div>
<div class="layout">
<div class="panel">
  <h3 data-part="heading"></h3>
  <div class="rule" data-part="rule"></div>
  <div class="arriving" data-part="arriving-line"><span data-part="arriving-label"></span>
    <span class="value" data-part="arriving"></span></div>
  <ul data-part="sends"></ul>
  <div><b>.grad of the leaves</b> <span class="note">(what the optimizer reads after backward)</span></div>
  <table data-part="leaves"><tbody></tbody></table>
  <details><summary>every tensor's gradient so far</summary>
    <table data-part="tensors"><tbody></tbody></table></details>
</div>
<div class="picture" data-part="picture">PICTURE</div>
</div>
<div class="note" data-part="help">Buttons, the slider or the arrow keys (click the explorer first) step
  through backward. Red: the op at work and the gradients known so far (dashed: still waiting for a part);
  purple: the gradients this step sent.</div>
"""

SCRIPT = r"""
(function (rootId) {
  const root = document.getElementById(rootId);
  const data = JSON.parse(root.querySelector("script[data-part=data]").textContent);
  const part = (name) => root.querySelector("[data-part=" + name + "]");
  const n = data.steps.length;
  const slider = part("slider");
  slider.max = String(n);
  const byTitle = {};
  root.querySelectorAll("g.node, g.edge").forEach((g) => {
    const title = g.querySelector("title");
    if (title) byTitle[title.textContent] = g;
  });
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
    if (box.top < bar.bottom + margin || box.bottom > window.innerHeight - margin || box.left < 0 ||
        box.right > window.innerWidth) g.scrollIntoView({block: "center", inline: "nearest"});
  }
  function show(k, follow) {
    k = Math.max(0, Math.min(n, k));
    root.dataset.step = String(k);
    slider.value = String(k);
    part("position").textContent = "step " + k + " of " + n;
    part("now").textContent = k > 0 ? data.steps[k - 1].op : "start";
    part("previous").disabled = k === 0;
    part("next").disabled = k === n;
    const [state, fresh] = stateAt(k);
    const step = k > 0 ? data.steps[k - 1] : null;
    const sends = part("sends");
    sends.textContent = "";
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
    data.leaves.forEach((i) => {
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
    if (step !== null && step.key !== null) {
      mark(step.key, "current");
      step.sends.forEach((s) => {
        if (s.grad !== null) mark(tensor(s.tensor).key + "->" + step.key, "current");
      });
      mark(step.key + "->" + tensor(step.output).key, "current");
    }
    if (follow) reveal(step !== null ? step.key : tensor(data.output).key);  // the start: the loss
  }
  part("previous").addEventListener("click", () => show(Number(root.dataset.step) - 1, true));
  part("next").addEventListener("click", () => show(Number(root.dataset.step) + 1, true));
  slider.addEventListener("input", () => show(Number(slider.value), true));
  root.addEventListener("keydown", (event) => {
    if (event.target === slider) return;  // the slider moves itself (and says so with "input")
    const moves = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
    let k = Number(root.dataset.step);
    if (event.key in moves) k += moves[event.key];
    else if (event.key === "Home") k = 0;
    else if (event.key === "End") k = n;
    else return;
    event.preventDefault();
    show(k, true);
  });
  show(0, false);  // not scrolled: a notebook must not jump to the explorer when it appears
  if (root.dataset.focus === "yes") root.focus({preventScroll: true});
})(ROOT_ID);
"""
