"""explore(loss): the page's data, and the page itself clicked through in a real (headless) Chromium."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import BackwardExplorer, array_stats, explore, gradients_at, trace_backward
from tinygrad_edu.viz.model import lesson_graph
from tinygrad_edu.viz.trace import BackwardStep

LESSON_OPS = ["Mean", "Where", "Sub", "Sigmoid", "Add", "MatMul"]


def lesson():
    return lesson_graph(batch_size=4, seed=0)


def page_data(explorer: BackwardExplorer) -> dict:
    data_tag = r'<script type="application/json" data-part="data">(.*?)</script>'
    found = re.search(data_tag, explorer.html(), re.S)
    return json.loads(found.group(1))


# ---- without a browser ----------------------------------------------------------------------------


def test_explore_runs_backward_like_backward():
    model, twin = lesson(), lesson()
    explorer = explore(model.loss, model.names, model.params)
    twin.loss.backward()
    np.testing.assert_array_equal(model.weights.grad.numpy(), twin.weights.grad.numpy())
    np.testing.assert_array_equal(model.bias.grad.numpy(), twin.bias.grad.numpy())
    assert [step.op for step in explorer.steps] == LESSON_OPS
    assert tg.explore is explore  # reachable as tinygrad_edu.explore, like draw_graph


def test_page_data_matches_the_trace():
    model = lesson()
    explorer = explore(model.loss, model.names, model.params)
    data = page_data(explorer)
    assert data == explorer.data  # the JSON survives its escaping
    assert [s["op"] for s in data["steps"]] == LESSON_OPS
    names = [t["name"] for t in data["tensors"]]
    assert [names[i] for i in data["leaves"]] == ["weights", "bias"]
    add = data["steps"][4]
    assert add["arriving"] == explorer.steps[4].grad_out.summary()
    bias_send = next(s for s in add["sends"] if names[s["tensor"]] == "bias")
    assert bias_send["grad"] == array_stats(model.bias.grad.numpy()).summary()
    assert bias_send["note"] == "summed over the broadcast axes: (4, 1) -> (1,); added to bias.grad"
    where = data["steps"][1]
    assert [s["grad"] is None for s in where["sends"]] == [True, False, False]
    assert [u[2] for u in where["updates"]] == [True, False]  # p still waits for Sub's part


def test_earlier_grads_are_added_to():
    model = lesson()
    model.bias.grad = tg.tensor([1.0])
    explorer = explore(model.loss, model.names, model.params)
    data = explorer.data
    bias = [t["name"] for t in data["tensors"]].index("bias")
    assert data["initial"][str(bias)] == ["[1]", "earlier"]
    final = [u for s in data["steps"] for u in s["updates"] if u[0] == bias][-1]
    assert final[1] == array_stats(model.bias.grad.numpy()).summary() and model.bias.grad.item() != 1.0


def test_page_is_self_contained_and_escapes_names():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 3).sum()
    html = explore(loss, {"</script><b>x": x}).html()
    assert "</script><b>x" not in html and "\\u003c/script\\u003e\\u003cb\\u003ex" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert html.count("<svg") == 1 and "<script src" not in html


def test_save_repr_and_bad_input(tmp_path):
    model = lesson()
    explorer = explore(model.loss, model.names, model.params)
    path = explorer.save(tmp_path / "out" / "backward.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert repr(explorer).startswith("BackwardExplorer(6 steps from loss: Mean → Where → Sub")
    assert explorer._repr_html_().startswith('<div class="tgx"')
    with pytest.raises(ValueError, match=r"BackwardExplorer.save: .* should end in .html"):
        explorer.save(tmp_path / "backward.svg")
    with pytest.raises(TypeError, match="explore: loss must be a Tensor"):
        explore(np.ones(3))
    with pytest.raises(RuntimeError, match="explore: this tensor was not made by an op"):
        explore(tg.ones(3).sum())
    with pytest.raises(TypeError, match="BackwardExplorer: steps must be"):
        BackwardExplorer(model.loss, [])


def test_backward_step_repr_reads_like_the_trace():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    steps = trace_backward((x * 3).sum(), file=None, names={"x": x})
    assert isinstance(steps[1], BackwardStep)
    assert repr(steps[1]).splitlines() == [
        "step 2: Mul   x (2,), constant 0 ()  ->  t0 (2,)",
        "  rule:      out = a * b;  d/da = b,  d/db = a",
        "  arriving:  d output/d t0 = (2,) float32  [1, 1]",
        "  to a (x):  d output/d x = (2,) float32  [3, 3]   (added to x.grad)",
        "  to b (constant 0):  nothing, it does not require grad",
    ]


# ---- in a browser ---------------------------------------------------------------------------------

try:  # the tests above run without a browser; the ones below need selenium, Chromium and chromedriver
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:
    webdriver = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the whole module."""
    if webdriver is None:
        pytest.skip("selenium is not installed (pip install selenium, or the dev extra)")
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("no Chromium or chromedriver on PATH (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run", "--window-size=1100,1000",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    except Exception as error:  # noqa: BLE001 (a browser that will not start is a skip, with the reason)
        pytest.skip(f"Chromium did not start: {error}")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def lesson_page(browser, tmp_path_factory):
    """The lesson graph's explorer, opened in the browser; its model, steps and the leaves' grads by step."""
    model = lesson()
    explorer = explore(model.loss, model.names, model.params)
    path = explorer.save(tmp_path_factory.mktemp("page") / "backward.html")
    browser.get(path.as_uri())
    grads = [gradients_at(explorer.steps, model.loss, k) for k in range(len(explorer.steps) + 1)]
    return model, explorer, grads


def part(browser, name: str):
    return browser.find_element(By.CSS_SELECTOR, f"[data-part={name}]")


def shown_step(browser) -> int:
    return int(browser.find_element(By.CSS_SELECTOR, ".tgx").get_attribute("data-step"))


def leaf_grads(browser) -> dict[str, str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "[data-part=leaves] tr")
    return {row.get_attribute("data-name"): row.find_element(By.CSS_SELECTOR, "td.grad").text for row in rows}


def current_op_key(browser) -> list[str]:
    return [g.find_element(By.TAG_NAME, "title").get_attribute("textContent")
            for g in browser.find_elements(By.CSS_SELECTOR, "g.node.current")]


def check_step(browser, model, explorer, grads, k: int) -> None:
    """What the page shows at step k against trace_backward's numbers."""
    assert shown_step(browser) == k and part(browser, "position").text == f"step {k} of 6"
    expected_leaves = {}
    for name, leaf in (("weights", model.weights), ("bias", model.bias)):
        known = grads[k].get(id(leaf))
        expected_leaves[name] = "None" if known is None else array_stats(known[0]).summary()
    assert leaf_grads(browser) == expected_leaves
    if k == 0:
        assert part(browser, "heading").text == "Backward starts at loss = 0.492"
        assert part(browser, "arriving").text == "1" and current_op_key(browser) == []
        return
    step = explorer.steps[k - 1]
    assert part(browser, "heading").text.startswith(f"Step {k} of 6: {step.op}")
    assert part(browser, "rule").text == f"rule: {step.rule}"
    assert part(browser, "arriving").text == step.grad_out.summary()
    sent = [li.text for li in part(browser, "sends").find_elements(By.CSS_SELECTOR, "li.new")]
    expected = [f"to {arg} ({name}): "
                for arg, name, g in zip(step.arg_names, step.input_names, step.grads_in) if g is not None]
    assert [text[:len(start)] for text, start in zip(sent, expected)] == expected
    for text, stats in zip(sent, [g for g in step.grads_in if g is not None]):
        assert f"= {stats.summary()}" in text
    assert current_op_key(browser) == [explorer.data["steps"][k - 1]["key"]]


def test_clicking_through_every_step(lesson_page, browser):
    model, explorer, grads = lesson_page
    assert browser.get_log("browser") == []  # no script errors
    check_step(browser, model, explorer, grads, 0)
    assert part(browser, "previous").get_attribute("disabled") == "true"
    for k in range(1, 7):
        part(browser, "next").click()
        check_step(browser, model, explorer, grads, k)
    assert part(browser, "next").get_attribute("disabled") == "true"
    final = leaf_grads(browser)
    assert final["bias"] == array_stats(model.bias.grad.numpy()).summary()  # what backward left in .grad
    assert final["weights"] == array_stats(model.weights.grad.numpy()).summary()
    for k in range(5, -1, -1):
        part(browser, "previous").click()
        check_step(browser, model, explorer, grads, k)


def test_slider(lesson_page, browser):
    model, explorer, grads = lesson_page
    slider = part(browser, "slider")
    assert slider.get_attribute("max") == "6"
    for k in (4, 2, 6, 0):
        browser.execute_script("arguments[0].value = arguments[1];"
                               "arguments[0].dispatchEvent(new Event('input'))", slider, str(k))
        check_step(browser, model, explorer, grads, k)
    slider.click()  # a real click on the middle of the track moves it to about the middle
    assert 2 <= shown_step(browser) <= 4
    slider.send_keys(Keys.END)  # the slider's own keys move it; the page does not move twice
    check_step(browser, model, explorer, grads, 6)


def test_arrow_keys(lesson_page, browser):
    model, explorer, grads = lesson_page
    root = browser.find_element(By.CSS_SELECTOR, ".tgx")
    browser.execute_script("window.scrollTo(0, 0)")  # the earlier tests followed their steps down the page
    part(browser, "heading").click()  # focus the explorer, as a learner would
    root.send_keys(Keys.HOME)
    check_step(browser, model, explorer, grads, 0)
    for k in range(1, 7):
        root.send_keys(Keys.ARROW_RIGHT)
        check_step(browser, model, explorer, grads, k)
    root.send_keys(Keys.ARROW_RIGHT)  # stays at the last step
    check_step(browser, model, explorer, grads, 6)
    root.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    check_step(browser, model, explorer, grads, 4)


def test_two_explorers_on_one_page_stay_apart(browser, tmp_path):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    first, second = explore((x * 2).sum(), {"x": x}), explore((x.sigmoid()).mean(), {"x": x})
    page = tmp_path / "two.html"
    page.write_text(f"<!DOCTYPE html><html><body>{first._repr_html_()}{second._repr_html_()}</body></html>",
                    encoding="utf-8")
    browser.get(page.as_uri())
    roots = browser.find_elements(By.CSS_SELECTOR, ".tgx")
    assert len(roots) == 2
    roots[1].find_element(By.CSS_SELECTOR, "[data-part=next]").click()
    assert [r.get_attribute("data-step") for r in roots] == ["0", "1"]
    assert roots[1].find_element(By.CSS_SELECTOR, "[data-part=heading]").text.startswith("Step 1 of 2: Mean")


# ---- the page follows the step ----------------------------------------------------------------------

NOTEBOOK_PAGE = """<!DOCTYPE html><html><body style="margin: 8px">
<div style="height: 700px">(the notebook's cells above the explorer)</div>
<div style="max-width: 1000px">{fragment}</div><div style="height: 700px">(cells below)</div></body></html>"""


def box_in_view(browser, selector: str) -> list[float] | None:
    """The box's [top, bottom, left, right] when it is not inside the window (below the sticky buttons)."""
    return browser.execute_script("""
        const g = document.querySelector(arguments[0]), bar = document.querySelector('.tgx .controls');
        const r = g.getBoundingClientRect(), b = bar.getBoundingClientRect();
        const inside = r.top >= b.bottom && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
        return inside ? null : [r.top, r.bottom, r.left, r.right, innerWidth, innerHeight];""", selector)


@pytest.mark.parametrize("window", [(1366, 768), (1300, 1300)])
@pytest.mark.parametrize("where", ["browser page", "notebook column"])
def test_the_op_at_work_is_in_view_after_every_step(browser, tmp_path, window, where):
    model = lesson()
    explorer = explore(model.loss, model.names, model.params)
    if where == "browser page":
        path = explorer.save(tmp_path / "backward.html")
    else:
        path = tmp_path / "notebook.html"
        path.write_text(NOTEBOOK_PAGE.format(fragment=explorer._repr_html_()), encoding="utf-8")
    browser.set_window_size(*window)
    try:
        browser.get(path.as_uri())
        assert browser.execute_script("return scrollY") == 0  # showing the explorer scrolls nothing
        for k in range(1, 7):
            part(browser, "next").click()
            assert shown_step(browser) == k and part(browser, "now").text == explorer.steps[k - 1].op
            assert box_in_view(browser, "g.node.current") is None, f"step {k}"
            if where == "browser page":  # wide enough for the panel beside the picture: it stays in view
                assert box_in_view(browser, "[data-part=heading]") is None, f"step {k}"
        browser.find_element(By.CSS_SELECTOR, ".tgx").send_keys(Keys.HOME)
        loss_key = explorer.data["tensors"][explorer.data["output"]]["key"]
        assert box_in_view(browser, f"g#{_svg_id(browser, loss_key)}") is None  # back at the start: the loss
    finally:
        browser.set_window_size(1100, 1000)


def _svg_id(browser, key: str) -> str:
    return browser.execute_script("""
        for (const g of document.querySelectorAll('g.node'))
          if (g.querySelector('title').textContent === arguments[0]) return g.id;""", key)


# ---- a model's explorer: module boxes that open, and stepping box by box ---------------------------------


def toy_explorer(**kwargs):
    from test_viz_modules import toy_loss

    model, loss = toy_loss()  # "model" here names the calls: blocks.0.sa, ...
    return explore(loss, **kwargs)


def test_a_models_explorer_has_a_view_for_each_big_call():
    explorer = toy_explorer()
    views = explorer.data["views"]
    assert [v["name"] for v in views] == [
        None, "blocks", "blocks.0", "blocks.1", "blocks.0.sa", "blocks.1.sa",
        *(f"blocks.0.sa.heads.{i}" for i in range(4)), "blocks.1.sa.heads.0", "blocks.1.sa.heads.1"]
    assert len(explorer.views) == len(views) == 12 and all(svg.startswith("<svg") for svg in explorer.views)
    first = views[0]
    boxes = {key: text.split(" (")[0] for key, text in first["kinds"].items()}
    assert sorted(boxes.values()) == ["blocks", "lm_head", "ln_f", "position_embedding", "token_embedding"]
    assert first["opens"][next(k for k, n in boxes.items() if n == "blocks")] == 1
    assert first["opens"][next(k for k, n in boxes.items() if n == "token_embedding")] is None  # one op
    for step in explorer.data["steps"]:  # every op is drawn in the first view, or by a box of it
        key = first["units"].get(step["key"], step["key"])
        assert key in first["opens"] or f"<title>{key}</title>" in explorer.views[0]
    heads = [s for s in explorer.data["steps"] if s["module"] == "blocks.0.sa.heads.1 (Head)"]
    assert [s["op"] for s in heads] == ["MatMul", "Softmax", "Where", "Mul", "MatMul", "Permute"]
    crumbs = views[6]["crumbs"]
    assert [name for name, _ in crumbs] == ["model", "blocks", "blocks.0", "blocks.0.sa",
                                            "blocks.0.sa.heads.0"]
    assert [to for _, to in crumbs] == [0, 1, 2, 4, 6] and views[6]["close"] == 4


def test_expand_and_max_views_of_the_explorer():
    explorer = toy_explorer(expand=["blocks.0.sa"], max_views=3)
    assert [v["name"] for v in explorer.data["views"]] == [None, "blocks.1", "blocks.1.sa"]  # not open yet
    assert ">heads.2<" in explorer.views[0]  # drawn open from the start
    with pytest.raises(ValueError, match="max_views must be a whole number, at least 1"):
        toy_explorer(max_views=0)


@pytest.fixture(scope="module")
def model_page(browser, tmp_path_factory):
    explorer = toy_explorer()
    path = explorer.save(tmp_path_factory.mktemp("model") / "model.html")
    return explorer, path


def open_page(browser, path, window=(1366, 768)):
    browser.set_window_size(*window)
    browser.get(path.as_uri())
    assert browser.get_log("browser") == []


def shown_view(browser) -> int:
    return int(browser.find_element(By.CSS_SELECTOR, ".tgx").get_attribute("data-view"))


def node(browser, key: str):
    """The g element of node ``key`` in the view shown."""
    selector = f"[data-part=view]:not([hidden]) g#{_title_id(browser, key)}"
    return browser.find_element(By.CSS_SELECTOR, selector)


def _title_id(browser, key: str) -> str:
    return browser.execute_script("""
        for (const g of document.querySelectorAll('[data-part=view]:not([hidden]) g.node, ' +
                                                  '[data-part=view]:not([hidden]) g.cluster'))
          if (g.querySelector('title').textContent === arguments[0]) return g.id;""", key)


def click(browser, element) -> None:
    """Click as a learner would: on something in view (not under the sticky buttons)."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def box_key(explorer, view: int, name: str) -> str:
    kinds = explorer.data["views"][view]["kinds"]
    return next(k for k, text in kinds.items() if text.startswith(name + " ("))


def test_clicking_a_box_opens_it_and_its_frame_or_close_shuts_it(browser, model_page):
    explorer, path = model_page
    try:
        open_page(browser, path)
        assert shown_view(browser) == 0
        assert part(browser, "crumbs").text == "Click a module box (double border) to open it."
        blocks = box_key(explorer, 0, "blocks")
        assert "openable" in node(browser, blocks).get_attribute("class")
        click(browser, node(browser, blocks))
        assert shown_view(browser) == 1
        assert part(browser, "crumbs").text.split() == ["model", "›", "blocks", "✕", "close", "blocks"]
        assert len(browser.find_elements(By.CSS_SELECTOR, "[data-part=view]:not([hidden])")) == 1
        click(browser, node(browser, box_key(explorer, 1, "blocks.0")))
        assert shown_view(browser) == 2
        browser.find_element(By.CSS_SELECTOR, "[data-part=close]").click()  # back to blocks: blocks.0 shut
        assert shown_view(browser) == 1
        frame = node(browser, "cluster_" + blocks)
        assert "closable" in frame.get_attribute("class")
        click(browser, frame.find_element(By.TAG_NAME, "text"))  # the frame's label shuts blocks
        assert shown_view(browser) == 0
        click(browser, node(browser, box_key(explorer, 0, "token_embedding")))  # one op: nothing more to see
        assert shown_view(browser) == 0 and "no picture of its inside" in part(browser, "message").text
        assert browser.get_log("browser") == []
    finally:
        browser.set_window_size(1100, 1000)


def test_stepping_box_by_box_keeps_the_box_at_work_in_view(browser, model_page):
    explorer, path = model_page
    steps = explorer.data["steps"]
    try:
        open_page(browser, path)
        click(browser, node(browser, box_key(explorer, 0, "blocks")))
        units = explorer.data["views"][1]["units"]

        def unit(k):
            return units.get(steps[k - 1]["key"], steps[k - 1]["key"])

        landed = []
        while shown_step(browser) < len(steps):
            part(browser, "next-box").click()
            k = shown_step(browser)
            landed.append(k)
            assert current_op_key(browser) == [unit(k)]  # the box (or op) at work is the red one
            assert box_in_view(browser, "g.node.current") is None, f"step {k}"
            assert k == len(steps) or unit(k + 1) != unit(k)  # the last step of its box
        shown = [unit(k) for k in landed]
        assert len(set(shown)) == len(shown) > 5  # each box once, in the order backward meets them
        names = explorer.data["views"][1]["kinds"]
        assert [names[u].split(" (")[0] for u in shown if u in names][2:4] == ["blocks.1", "blocks.0"]
        part(browser, "previous-box").click()
        assert shown_step(browser) == landed[-2]
        browser.find_element(By.CSS_SELECTOR, ".tgx").send_keys(Keys.SHIFT, Keys.ARROW_LEFT)
        assert shown_step(browser) == landed[-3]
        part(browser, "next").click()  # one op at a time still works inside a box
        assert shown_step(browser) == landed[-3] + 1
    finally:
        browser.set_window_size(1100, 1000)


def test_the_models_pictures_fit_a_notebook_column_in_chromium(browser, model_page, tmp_path):
    explorer, _ = model_page
    path = tmp_path / "notebook.html"
    path.write_text(NOTEBOOK_PAGE.format(fragment=explorer._repr_html_()), encoding="utf-8")
    try:
        open_page(browser, path, (1366, 900))
        for view in (0, 1, 4):  # the model, blocks open, blocks.0.sa open
            browser.execute_script("arguments[0].forEach((v, i) => { v.hidden = i !== arguments[1]; })",
                                   browser.find_elements(By.CSS_SELECTOR, "[data-part=view]"), view)
            shown, natural = browser.execute_script("""
                const svg = document.querySelector('[data-part=view]:not([hidden]) svg');
                return [svg.getBoundingClientRect().width, svg.width.baseVal.value];""")
            assert shown <= 1000 and shown >= 0.9 * natural, (view, shown, natural)  # not squeezed illegible
    finally:
        browser.set_window_size(1100, 1000)


# ---- the real GPT of examples/gpt_from_scratch.py: two blocks of four heads -------------------------------


@pytest.fixture(scope="module")
def gpt_page(browser, tmp_path_factory):
    """The explorer of the real GPT's loss (test_viz_modules.gpt_loss: n_layer=2, small sizes), as a page
    and inside a notebook column."""
    from test_viz_modules import gpt_loss

    model, loss = gpt_loss()  # "model" names the calls
    explorer = explore(loss)
    folder = tmp_path_factory.mktemp("gpt")
    column = folder / "notebook.html"
    column.write_text(NOTEBOOK_PAGE.format(fragment=explorer._repr_html_()), encoding="utf-8")
    return explorer, explorer.save(folder / "gpt.html"), column


def view_named(explorer, name: str | None) -> int:
    return [v["name"] for v in explorer.data["views"]].index(name)


def test_the_real_gpts_explorer_has_a_view_for_each_block_and_attention(gpt_page):
    explorer, _, _ = gpt_page
    names = [v["name"] for v in explorer.data["views"]]
    assert names[:6] == [None, "blocks", "blocks.0", "blocks.1", "blocks.0.sa", "blocks.1.sa"]
    assert "blocks.0.sa.heads.0" in names and len(names) == 12
    modules = {step["module"] for step in explorer.data["steps"]}
    assert {f"blocks.1.sa.heads.{i} (Head)" for i in range(4)} <= modules
    assert "blocks.0.ffwd.net.3 (Dropout)" in modules


def test_the_real_gpts_pictures_fit_a_notebook_column_in_chromium(browser, gpt_page):
    """Every view is at most 1000 px wide in the column; those of the model, a block and an attention are
    shown at 90 % of their size or more (a head opened beside its three siblings is shrunk further)."""
    explorer, _, column = gpt_page
    try:
        open_page(browser, column, (1366, 900))
        legible = [view_named(explorer, name) for name in (None, "blocks", "blocks.0", "blocks.1",
                                                             "blocks.0.sa", "blocks.1.sa")]
        for view in range(len(explorer.views)):
            browser.execute_script("arguments[0].forEach((v, i) => { v.hidden = i !== arguments[1]; })",
                                   browser.find_elements(By.CSS_SELECTOR, "[data-part=view]"), view)
            shown, natural, drawn = browser.execute_script("""
                const svg = document.querySelector('[data-part=view]:not([hidden]) svg');
                const scale = svg.querySelector('g.graph').transform.baseVal.consolidate().matrix.a;
                return [svg.getBoundingClientRect().width, svg.width.baseVal.value, scale];""")
            assert shown <= 1000, (view, shown)
            if view in legible:  # dot's own scale (to fit max_width) times the page's: text at 9 pt or more
                assert shown / natural * drawn >= 0.9, (view, shown, natural, drawn)
    finally:
        browser.set_window_size(1100, 1000)


def test_clicking_down_to_one_head_of_the_real_gpt_and_back(browser, gpt_page):
    explorer, path, _ = gpt_page
    try:
        open_page(browser, path)
        for name in ("blocks", "blocks.0", "blocks.0.sa", "blocks.0.sa.heads.2"):
            before = shown_view(browser)
            click(browser, node(browser, box_key(explorer, before, name)))
            assert shown_view(browser) == view_named(explorer, name)
        assert part(browser, "crumbs").text.split() == [
            "model", "›", "blocks", "›", "blocks.0", "›", "blocks.0.sa", "›", "blocks.0.sa.heads.2", "✕",
            "close", "blocks.0.sa.heads.2"]
        browser.find_element(By.CSS_SELECTOR, "[data-part=close]").click()
        assert shown_view(browser) == view_named(explorer, "blocks.0.sa")
        buttons = part(browser, "crumbs").find_elements(By.TAG_NAME, "button")
        crumb = next(button for button in buttons if button.text == "blocks")
        crumb.click()
        assert shown_view(browser) == view_named(explorer, "blocks")
        assert browser.get_log("browser") == []
    finally:
        browser.set_window_size(1100, 1000)


@pytest.mark.parametrize("path", [["blocks"], ["blocks", "blocks.0", "blocks.0.sa"]], ids=lambda p: p[-1])
def test_stepping_the_real_gpt_box_by_box_keeps_the_box_at_work_in_view(browser, gpt_page, path):
    """At a laptop's 1366×768: "box ▶" from the loss to the embeddings lands on each box (or op) once, in the
    order backward meets them, and the one at work is inside the window after every step."""
    explorer, page, _ = gpt_page
    steps = explorer.data["steps"]
    try:
        open_page(browser, page)
        for name in path:
            click(browser, node(browser, box_key(explorer, shown_view(browser), name)))
        view = view_named(explorer, path[-1])
        assert shown_view(browser) == view
        units = explorer.data["views"][view]["units"]

        def unit(k):
            return units.get(steps[k - 1]["key"], steps[k - 1]["key"])

        landed = []
        while shown_step(browser) < len(steps):
            part(browser, "next-box").click()
            k = shown_step(browser)
            landed.append(k)
            assert current_op_key(browser) == [unit(k)]
            assert box_in_view(browser, "g.node.current") is None, f"step {k}"
            opens = explorer.data["views"][view]["opens"]
            if unit(k) in opens:  # a box says it opens only when it does (ln_f, one op, has no view)
                said = part(browser, "where").text
                assert said.endswith("click the box to open it") == (opens[unit(k)] is not None), said
        shown = [unit(k) for k in landed]
        assert len(set(shown)) == len(shown) > 5 * len(path)  # each once; more of them the more is open
        kinds = explorer.data["views"][view]["kinds"]
        boxes = [kinds[u].split(" (")[0] for u in shown if u in kinds]
        assert boxes[0] == "lm_head" and boxes[-1] in ("token_embedding_table", "position_embedding_table")
        if path[-1] == "blocks.0.sa":  # its heads were last to run forward, so first to be met backward
            heads = [b for b in boxes if b.startswith("blocks.0.sa.heads.")]
            assert sorted(heads) == [f"blocks.0.sa.heads.{i}" for i in range(4)]
    finally:
        browser.set_window_size(1100, 1000)


def test_stepping_op_by_op_through_one_head_of_the_real_gpt(browser, gpt_page):
    """With one head open, "next" walks its backward one op at a time (its layers' ops by their boxes), and
    the op at work is in view after every step."""
    explorer, path, _ = gpt_page
    steps = explorer.data["steps"]
    name = "blocks.1.sa.heads.0"
    try:
        open_page(browser, path)
        for box in ("blocks", "blocks.1", "blocks.1.sa", name):
            click(browser, node(browser, box_key(explorer, shown_view(browser), box)))
        units = explorer.data["views"][view_named(explorer, name)]["units"]
        inside = [k for k, step in enumerate(steps, 1) if (step["module"] or "").startswith(name)]
        assert inside == list(range(inside[0], inside[0] + len(inside))) and len(inside) > 6  # one stretch
        browser.execute_script("arguments[0].value = arguments[1];"
                               "arguments[0].dispatchEvent(new Event('input'))", part(browser, "slider"),
                               str(inside[0] - 1))
        for k in inside:
            part(browser, "next").click()
            key = steps[k - 1]["key"]
            assert shown_step(browser) == k and current_op_key(browser) == [units.get(key, key)]
            assert box_in_view(browser, "g.node.current") is None, f"step {k}"
        ops = [steps[k - 1]["op"] for k in inside if steps[k - 1]["module"] == f"{name} (Head)"]
        assert ops == ["MatMul", "Softmax", "Where", "Mul", "MatMul", "Permute"]
    finally:
        browser.set_window_size(1100, 1000)
