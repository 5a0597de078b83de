"""The cells of 02_learners_questions.ipynb: five questions learners ask in lesson 4, answered by running
the experiments of examples/f_… to j_…

Edit this file, then run ``python scripts/docs_notebooks.py --only questions``. The setup cell (which puts
examples/ and scripts/ on the path) is added after the title by the script.
"""

from docs_notebooks import code, md

CELLS = [
    md("""
    # The learner's questions, answered by experiments

    Lesson 4 leaves learners with questions the chapter answers in a sentence or two. Here each one gets an
    experiment you can run and change: *why multiply each pixel by a weight?*, *wouldn't `abs(pixel −
    weight)` be better?*, *what is the bias for?*, *how can guessing and adjusting find anything?* and
    *isn't this just regression?*

    Every experiment is a script in `examples/` (`f_what_weights_learned.py` to `j_regression_view.py`);
    this notebook imports them, runs them, and shows their pictures. Each has a page in `docs/` with the
    full discussion. Every number below is printed by the run itself; the lines marked ✓ are the claims
    the docs page makes, checked against this run's numbers.
    """),
    code("""
    import inspect
    import tempfile
    from pathlib import Path

    import docs_experiments  # scripts/: the claims each experiment page makes
    import f_what_weights_learned
    import g_multiply_vs_distance
    import h_why_a_bias
    import i_apples_and_pears
    import j_regression_view
    from IPython.display import Image, display

    import tinygrad_edu as torch

    PICTURES = Path(tempfile.mkdtemp())  # the experiments save their pictures here; show() displays them


    def show(paths):
        for path in paths:
            display(Image(filename=str(path)))


    def check(page, results, fast=False):
        \"\"\"Each claim the docs page makes about this experiment, checked against this run: ✓ or ✗.\"\"\"
        for claim, holds in docs_experiments.PAGES[page][3](results, fast):
            print(("✓ " if holds else "✗ ") + claim)
    """),
    md("""
    ## 1. Why multiply each pixel by a weight? What did the weights learn?

    The linear model scores an image as `x @ w + b`: pixel times weight, summed, plus the bias. Think of
    it as a vote. A black pixel is 0, so it never votes, whatever its weight. An inked pixel votes for "3"
    when its weight is positive and for "7" when it is negative, and the darker the pixel, the louder its
    vote. The experiment trains `nn.Linear(784, 1)` as the lesson does and then looks at the 784 weights
    as a picture.
    """),
    code("""
    weights_run = f_what_weights_learned.main(out_dir=PICTURES)
    show(weights_run["pictures"][:1])
    """),
    md("""
    Red pixels vote "3", blue pixels vote "7", white ones barely vote. The learned weights look like the
    rightmost picture, *mean 3 − mean 7*, "where 3s have ink and 7s do not", without being a copy of it:
    the correlation printed above says how close they are. The frame of pixels that no training image
    ever inks keeps its starting weights, since their gradient is always 0.

    The next picture splits the scores of one validation 3 and one validation 7 into their pixels' votes:
    """),
    code("""
    show(weights_run["pictures"][1:])
    check("weights", weights_run)
    """),
    md("""
    Even the 3 gets many votes for 7; it is called a 3 because its votes for 3 weigh more. Full discussion:
    [docs/weights.md](../weights.md).

    ## 2. Wouldn't `abs(pixel − weight)` tell how well an image matches?

    A student's proposal: score an image by how far it is from a learned template, `mean |x − w|`, and call
    it a 3 when the distance is small. That is the pixel-similarity baseline with a template that training
    can change. The experiment trains it exactly like the linear model and compares. (This is its short
    run: 4 epochs and two learning rates for SGD, one for Adam; the docs page runs 20 epochs and a sweep of
    learning rates.)
    """),
    code("""
    distance_run = g_multiply_vs_distance.main(fast=True, out_dir=PICTURES)
    show(distance_run["pictures"])
    """),
    md("""
    The distance model learns something, but `x @ w + b` learns more, and at the lesson's learning rate the
    template model gets stuck at 0.5 (it calls everything the same digit). The reason it cannot do better:
    for a pixel that is either 0 or 1, `|x − w|` equals `|w| + x · (|1 − w| − |w|)`, a constant plus the
    pixel times a weight. On black-and-white images the distance *is* a weighted sum in disguise, with a
    clumsier way to reach its weights. Check the identity on a few weights:
    """),
    code("""
    w = torch.tensor([-0.5, 0.0, 0.3, 0.5, 1.2])
    for x in (0.0, 1.0):
        print(f"x = {x}:  |x - w| = {(x - w).abs().tolist()}")
        print(f"        |w| + x * (|1 - w| - |w|) = {(w.abs() + x * ((1 - w).abs() - w.abs())).tolist()}")
    check("distance", distance_run, fast=True)
    """),
    md("""
    Full discussion and the whole sweep: [docs/multiply-vs-distance.md](../multiply-vs-distance.md).

    ## 3. What is the bias for?

    `x @ w` alone gives 0 for an all-black image whatever the weights, and the model says "3" exactly when
    the weighted sum is above 0: the threshold is nailed to 0. The bias moves it: `x @ w + b > 0` means
    `x @ w > −b`. The experiment trains `nn.Linear(784, 1)` with and without its bias from the same
    starting weights, then fits a one-number example ("bright" when a brightness is above 0.5) that no
    model without a bias can get right.
    """),
    code("""
    bias_run = h_why_a_bias.main(out_dir=PICTURES)
    show(bias_run["pictures"])
    """),
    md("""
    On the 3s and 7s the two models end close together: every image has some ink, so shifting all the
    weights a little acts like a bias. On the one-number example there is no such way out: without a bias,
    `w · x` has the same sign for every positive brightness, so all 20 examples get the same answer, and
    at most half can be right.
    """),
    code("""
    check("bias", bias_run)
    """),
    md("""
    Full discussion: [docs/bias.md](../bias.md).

    ## 4. How can guessing and adjusting find the right parameters? Apples and pears

    A receipt says 3 apples and 2 pears cost 7 cents. Guess the two prices, see how far the guessed total
    is from 7, and adjust each price against its gradient: that is training, with the prices as parameters,
    the receipts as data and the squared error as the loss. The whole loop:
    """),
    code("""
    print(inspect.getsource(i_apples_and_pears.guess_prices))
    """),
    code("""
    apples_run = i_apples_and_pears.main(out_dir=PICTURES)
    show(apples_run["pictures"])
    """),
    md("""
    With one receipt, many price pairs fit it (the dashed line in the left picture), and gradient descent
    stops at whichever is nearest its first guess. With four receipts only the true prices fit, and every
    first guess leads there. The lesson's model is the same story with 785 prices and 12,396 receipts.
    """),
    code("""
    check("apples", apples_run)
    """),
    md("""
    Full discussion: [docs/apples-and-pears.md](../apples-and-pears.md).

    ## 5. Isn't this just regression?

    Yes: `linear1(x)` followed by the sigmoid is `sigmoid(b + w1·x1 + … + w784·x784)`, logistic
    regression with 784 inputs. The experiment fits two small regressions by gradient descent, with
    tinygrad_edu, and compares them with the textbook solvers: linear regression against least squares
    (`numpy.linalg.lstsq`), logistic regression against Newton's method.
    """),
    code("""
    regression_run = j_regression_view.main(out_dir=PICTURES)
    show(regression_run["pictures"])
    check("regression", regression_run)
    """),
    md("""
    Gradient descent reaches the same coefficients as the solvers, to the precision printed above. What
    the lesson adds is not a new model but the way of fitting it (small steps on batches, which scales to
    models no formula solves) and the loss: `mnist_loss` is not logistic regression's log loss, though it
    plays the same part. Full discussion: [docs/regression.md](../regression.md).

    ## Try next

    Each experiment is an ordinary function: call `f_what_weights_learned.main(fast=True)`, or open
    `examples/h_why_a_bias.py` and change the one-number example. To see *how* the gradients in all these
    runs are computed, go on to [03_inside_autograd.ipynb](03_inside_autograd.ipynb).
    """),
]
