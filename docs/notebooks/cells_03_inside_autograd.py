"""The cells of 03_inside_autograd.ipynb: what ``loss.backward()`` does, drawn, traced and checked.

Edit this file, then run ``python scripts/docs_notebooks.py --only autograd``. The setup cell is added after
the title by the script.
"""

from docs_notebooks import code, md

CELLS = [
    md("""
    # Inside autograd: what `loss.backward()` does

    Every training step of the lesson calls `loss.backward()` and then finds a gradient in each
    parameter's `.grad`. This notebook opens that up with tinygrad_edu's tools: the graph that the forward
    pass records, drawn before and after backward; backward narrated one op at a time; finite differences
    catching a wrong derivative; and an op of your own, in the graph beside the built-in ones.

    Graphviz's `dot` program draws the graph pictures where it is installed (the setup cell installs it on
    Colab and Kaggle); elsewhere, in JupyterLite too, Graphviz compiled to WebAssembly draws them in the
    browser. Saving them as PNG or PDF files needs `dot`: `apt-get install graphviz`, `brew install graphviz`
    or `conda install graphviz`.
    """),
    code("""
    import tinygrad_edu as torch
    from tinygrad_edu import draw_graph, explore, trace_backward
    from tinygrad_edu.autograd import Function
    from tinygrad_edu.lesson import init_params, threes_and_sevens
    """),
    md("""
    ## A tensor remembers the op that made it

    The chapter's first autograd example: `x = 3`, `y = x²`, and the slope of `y` at `x` is `2x = 6`.
    """),
    code("""
    x = torch.tensor(3.0).requires_grad_()
    y = x**2
    print(y)
    y.backward()
    print("x.grad =", x.grad, "  (book: 6)")
    """),
    md("""
    `y` prints a `grad_fn`: the op that produced it, kept so that backward can find its way back. A tensor
    you make yourself has none: it is a *leaf*, and leaves are where gradients are stored. The chapter's
    second example, with a vector:
    """),
    code("""
    x = torch.tensor([3.0, 4.0, 10.0]).requires_grad_()
    y = x**2
    z = y.sum()
    print("z.grad_fn:", z.grad_fn, "  y.grad_fn:", y.grad_fn, "  x.grad_fn:", x.grad_fn)
    print("leaves?  x:", x.is_leaf, "  y:", y.is_leaf, "  z:", z.is_leaf)
    print("the op behind z takes its input from:", z.grad_fn.next_functions)
    """),
    md("""
    Those links are the computation graph. `draw_graph` draws it: tensors are square boxes (grey: needs
    no gradient, orange: a leaf that wants one, blue: made by an op, green: the output), ops are rounded
    boxes that show their derivative rule. `names=globals()` labels each box with the variable that holds
    it.
    """),
    code("""
    draw_graph(z, names=globals())
    """),
    code("""
    z.backward()
    print(x.grad, "  (book: tensor([ 6.,  8., 20.]))")
    draw_graph(z, names=globals())
    """),
    md("""
    After backward, the leaf `x` has its gradient (in red), `2x` for each element. The intermediate `y`
    says "grad not kept": like PyTorch, tinygrad_edu stores gradients only in leaves unless you ask with
    `y.retain_grad()` before backward.

    ## The lesson's model, for a batch of four images

    Now the real thing, small enough to read: two 3s and two 7s from the training set, the chapter's
    `init_params`, `linear1` and `mnist_loss` written out one op per line so that every intermediate
    tensor has a name.
    """),
    code("""
    data = threes_and_sevens()  # all the 3s, then all the 7s; labels 1 for a 3, 0 for a 7
    n = len(data.train.x)
    rows = [0, 1, n - 2, n - 1]  # the first two 3s and the last two 7s
    xb, yb = data.train.x[rows], data.train.y[rows]

    torch.manual_seed(0)
    weights = init_params((28 * 28, 1))
    bias = init_params(1)


    def forward():
        \"\"\"The chapter's mnist_loss(linear1(xb), yb), one op per line, with fresh gradients.\"\"\"
        global predictions, p, loss
        weights.grad = bias.grad = None
        predictions = xb @ weights + bias
        p = predictions.sigmoid()
        loss = torch.where(yb == 1, 1 - p, p).mean()
        return loss


    forward()
    """),
    code("""
    draw_graph(loss, names=globals())
    """),
    md("""
    Read it from top to bottom as the forward pass ran: `xb @ weights`, `+ bias`, the sigmoid, then
    `where` picks `1 - p` for the 3s and `p` for the 7s, and `mean` makes one number. Dashed edges carry no
    gradient: nothing needs one for the images or the labels. Each box shows its values (or their
    min/mean/max when there are many).

    ## Backward, step by step

    `trace_backward(loss)` runs the same backward as `loss.backward()` and narrates each op as the engine
    reaches it: the gradient arriving at the op's output, the rule, and what it sends to each input.
    (`expressions=True` names the unnamed tensors after the expressions that made them, as the pictures do.)
    """),
    code("""
    steps = trace_backward(loss, names=globals(), expressions=True)
    """),
    md("""
    Three things to notice in the trace:

    * the engine starts from `d loss / d loss = 1` and visits the ops in the reverse of the order the
      forward pass made them; an op runs only once every op that used its output has sent its part;
    * `p` is used twice (by `1 - p` and by `where`), so its gradient is the sum of two contributions, and
      the sigmoid runs only after both have arrived;
    * `bias` has shape (1,) but was added to four scores: it received four gradients, and the engine sums
      them ("summed over the broadcast axes").

    The last point is easy to check by hand: the bias's gradient is the sum of the four gradients arriving
    at `predictions`, and by the chain rule each is (±1/4) · p · (1 − p), with −1/4 for a 3 and +1/4 for a 7.
    """),
    code("""
    sign = torch.where(yb == 1, -1.0, 1.0)
    by_hand = (sign / 4 * p * (1 - p)).sum().item()
    print(f"by hand: {by_hand:.6f}   engine: {bias.grad.item():.6f}")
    print("bias.grad by hand equals the engine's:", abs(by_hand - bias.grad.item()) < 1e-6)
    """),
    md("""
    `draw_graph(loss, grads=steps)` shows every gradient the trace recorded, intermediate ones included;
    `step=k` shows the state after the first k steps, with the op being processed in red.
    """),
    code("""
    draw_graph(loss, names=globals(), grads=steps)
    """),
    code("""
    draw_graph(loss, names=globals(), grads=steps, step=4)
    """),
    md("""
    ### Paging through backward

    `explore(loss)` runs backward on a fresh loss and returns a page that steps through it: next and
    previous buttons, a slider, the arrow keys. It is interactive when the notebook runs in Jupyter
    (GitHub's preview shows only the picture); `.save("backward.html")` writes it for a browser.
    """),
    code("""
    explore(forward(), names=globals())
    """),
    md("""
    ## Checking gradients with finite differences

    How do we know a gradient is right? Nudge an input by a tiny ε, see how much the output moves, and
    compare: `(f(x + ε) − f(x − ε)) / 2ε` should equal the derivative. `gradcheck` does this for every
    element of every input, in float64, and raises an error naming the first element that disagrees.
    The lesson's loss, as a function of the weights:
    """),
    code("""
    xb64, yb64 = xb.double(), yb


    def lesson_loss(w):
        p = (xb64 @ w + bias.detach().double()).sigmoid()
        return torch.where(yb64 == 1, 1 - p, p).mean()


    w64 = weights.detach().double().requires_grad_()
    torch.gradcheck(lesson_loss, [w64])
    """),
    md("""
    ## Your own op

    `tinygrad_edu.autograd.Function` lets you add an op the way PyTorch does: `forward` computes the output
    and saves what backward will need with `ctx.save_for_backward`; `backward` receives the gradient
    arriving at the output and returns the gradient for the input, by the chain rule. Here is the sigmoid
    again, written by hand. Its docstring's first line is its derivative rule: the graph and the trace
    show it.
    """),
    code("""
    class MySigmoid(Function):
        \"\"\"out = 1 / (1 + e^-x);  d/dx = out · (1 - out)\"\"\"

        @staticmethod
        def forward(ctx, x):
            out = 1 / (1 + (-x).exp())
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out * (1 - out)


    t = torch.randn(5, dtype=torch.float64, requires_grad=True)
    print("MySigmoid passes gradcheck:", torch.gradcheck(lambda t: MySigmoid.apply(t).sum(), [t]))
    """),
    md("""
    Use it in the lesson's model instead of `.sigmoid()`: it becomes one node of the graph,
    `MySigmoidBackward`, and backward calls your `backward` when it gets there.
    """),
    code("""
    predictions = xb @ weights + bias
    p = MySigmoid.apply(predictions)
    loss = torch.where(yb == 1, 1 - p, p).mean()
    print(p.grad_fn)
    draw_graph(loss, names=globals())
    """),
    md("""
    ### A wrong derivative, caught

    Now make a mistake that is easy to make: forget the factor `(1 - out)` in backward. Nothing crashes;
    training would even run, with gradients that are quietly wrong. `gradcheck` compares with finite
    differences and says exactly where they disagree:
    """),
    code("""
    class ForgetfulSigmoid(MySigmoid):
        \"\"\"out = 1 / (1 + e^-x);  d/dx = out  (wrong: the factor (1 - out) is missing)\"\"\"

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out


    try:
        torch.gradcheck(lambda t: ForgetfulSigmoid.apply(t).sum(), [t])
    except torch.GradcheckError as error:
        print(type(error).__name__, error)
    """),
    md("""
    The analytic value is `out`, the numeric one `out · (1 − out)`; the message gives both, and the
    element. This is how tinygrad_edu's own tests check every built-in op (`tests/test_gradcheck.py`), and
    how you can check yours.

    ## Where to read next

    * [docs/internals.md](../internals.md): the engine file by file (`tensor.py`, `function.py`, the ops,
      `engine.py`, `gradcheck.py`).
    * [docs/graphs.md](../graphs.md): the same lesson graph, narrated in more detail.
    * `examples/autograd_in_60_lines.py`: the whole idea in about 60 lines, and
      `examples/backprop_by_hand.py`: the lesson's gradients written out in numpy.
    """),
]
