"""The cells of 01_the_lesson.ipynb: fastbook chapter 4, step by step, on tinygrad_edu.

Edit this file, then run ``python scripts/docs_notebooks.py --only lesson`` to rebuild and execute the
notebook. The setup cell is added after the title by the script.
"""

from docs_notebooks import code, md

CELLS = [
    md("""
    # The lesson: telling 3s from 7s, on tinygrad_edu

    This notebook walks through fastbook chapter 4 (fast.ai lesson 4) one step at a time: a baseline that
    compares pixels, then a linear model trained by hand, then the same model with `nn.Linear` and an
    optimizer, then a small neural net. The code is the chapter's PyTorch code; the only change is the
    import line, `import tinygrad_edu as torch`, so every tensor, gradient and optimizer step below is
    computed by tinygrad_edu, a small framework on numpy that you can read.

    Two kinds of numbers appear side by side:

    * **tinygrad_edu**: computed by the cells of this notebook, when it ran;
    * **book**: the outputs printed in fastbook chapter 4 (kept in `examples/a_…d_*.py` as `BOOK`).

    The pixel-similarity baseline involves no randomness, so those numbers must agree exactly. The book
    never seeds its random generator, so trained accuracies can only agree in size and trend.
    """),
    md("""
    ## The data

    The chapter uses `MNIST_SAMPLE`: only the 3s and 7s of MNIST. tinygrad_edu ships them inside the
    package, so nothing is downloaded. Each image is 28×28 pixels, stored as bytes from 0 (black) to 255.
    """),
    code("""
    import matplotlib.pyplot as plt
    from a_pixel_similarity import BOOK as BOOK_PIXELS  # the book's printed numbers
    from b_linear_by_hand import BOOK as BOOK_BY_HAND
    from c_nn_linear import BOOK as BOOK_NN_LINEAR
    from d_simple_net import BOOK as BOOK_SIMPLE_NET

    import tinygrad_edu as torch
    from tinygrad_edu import nn
    from tinygrad_edu.data import DataLoader, load_mnist_sample

    sample = load_mnist_sample()
    sample
    """),
    md("""
    As in the chapter, turn each set of images into one tensor of floats between 0 and 1: a stack of
    thousands of 28×28 pictures.
    """),
    code("""
    stacked_threes = torch.tensor(sample.train_3).float() / 255
    stacked_sevens = torch.tensor(sample.train_7).float() / 255
    stacked_threes.shape, stacked_sevens.shape
    """),
    code("""
    def show_images(images, titles, size=1.5):
        fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size))
        for ax, image, title in zip(axes, images, titles):
            ax.imshow(image.numpy(), cmap="Greys")
            ax.set_title(title, fontsize=9)
            ax.axis("off")
        plt.show()


    show_images([stacked_threes[i] for i in range(4)] + [stacked_sevens[i] for i in range(4)],
                ["a 3"] * 4 + ["a 7"] * 4)
    """),
    md("""
    ## Step a: pixel similarity (no learning at all)

    The chapter's first idea: average all the 3s into one "ideal 3", and all the 7s into an "ideal 7".
    `mean(0)` averages over the first axis, the stack, and leaves one 28×28 picture.
    """),
    code("""
    mean3 = stacked_threes.mean(0)
    mean7 = stacked_sevens.mean(0)
    show_images([mean3, mean7], ["the mean 3", "the mean 7"], size=2.2)
    """),
    md("""
    Where almost every 3 has ink the mean 3 is dark; where only some do it is grey. An image is then
    called a 3 when it is closer to the mean 3 than to the mean 7, measuring closeness as the mean
    absolute difference of the pixels (the chapter's L1 distance).
    """),
    code("""
    def mnist_distance(a, b):
        return (a - b).abs().mean((-1, -2))


    a_3 = stacked_threes[1]
    print(f"this 3 is {mnist_distance(a_3, mean3).item():.4f} from the mean 3 "
          f"and {mnist_distance(a_3, mean7).item():.4f} from the mean 7")
    """),
    md("""
    The same function works on a whole stack at once: `a - b` *broadcasts* the single mean image against
    every image of the stack, and `mean((-1, -2))` averages over the last two axes, the pixels, leaving one
    distance per image.
    """),
    code("""
    valid_3_tens = torch.tensor(sample.valid_3).float() / 255
    valid_7_tens = torch.tensor(sample.valid_7).float() / 255
    print("one distance per validation 3:", mnist_distance(valid_3_tens, mean3).shape)


    def is_3(x):
        return mnist_distance(x, mean3) < mnist_distance(x, mean7)


    accuracy_3s = is_3(valid_3_tens).float().mean()
    accuracy_7s = (1 - is_3(valid_7_tens).float()).mean()
    overall = (accuracy_3s + accuracy_7s) / 2
    for name, ours in [("3s", accuracy_3s), ("7s", accuracy_7s), ("overall", overall)]:
        print(f"{name:8s} tinygrad_edu {ours.item():.4f}   book {BOOK_PIXELS[name]:.4f}")
    """),
    md("""
    Nothing here is random, so tinygrad_edu must print the book's three numbers digit for digit
    (`tests/test_notebooks.py` checks that it does). "Overall" is the mean of the two accuracies, as in the
    book, not the share of all validation images.

    ## Step b: a linear model, trained by hand

    Instead of fixed ideal images, give every pixel a weight and let training find good weights. First the
    data in the shape the chapter uses: one row of 784 pixels per image, and a column of labels, 1 for a 3
    and 0 for a 7. `list(zip(x, y))` pairs each image with its label and `DataLoader` serves them in
    batches of 256, in order: first all the 3s, then all the 7s (the chapter does not shuffle).
    """),
    code("""
    train_x = torch.cat([stacked_threes, stacked_sevens]).view(-1, 28 * 28)
    train_y = torch.tensor([1] * len(stacked_threes) + [0] * len(stacked_sevens)).unsqueeze(1)
    valid_x = torch.cat([valid_3_tens, valid_7_tens]).view(-1, 28 * 28)
    valid_y = torch.tensor([1] * len(valid_3_tens) + [0] * len(valid_7_tens)).unsqueeze(1)

    dl = DataLoader(list(zip(train_x, train_y)), batch_size=256)
    valid_dl = DataLoader(list(zip(valid_x, valid_y)), batch_size=256)
    print(train_x.shape, train_y.shape, f"{len(dl)} training batches, {len(valid_dl)} validation batches")
    """),
    md("""
    The parameters start as random numbers. `requires_grad_()` asks tinygrad_edu to record every
    operation done with them, so that it can later compute how the loss changes when each of them moves.
    The book leaves the seed unset; this notebook sets one so that it prints the same numbers on every run
    (seed 1: [docs/lesson.md](../lesson.md) shows what happens for 20 different seeds).
    """),
    code("""
    def init_params(size, std=1.0):
        return (torch.randn(size) * std).requires_grad_()


    torch.manual_seed(1)
    weights = init_params((28 * 28, 1))
    bias = init_params(1)


    def linear1(xb):
        return xb @ weights + bias


    preds = linear1(train_x)
    preds[:4]
    """),
    md("""
    `xb @ weights` multiplies each image's 784 pixels by their 784 weights and adds the products: one
    score per image (the second notebook looks at what these weights learn). A score above 0 will mean "3".

    The loss has to change smoothly when a weight changes a little, which accuracy does not. The chapter's
    `mnist_loss` squashes each score into (0, 1) with the sigmoid and measures how far it is from the
    target: `1 - p` for a 3, `p` for a 7. First the book's small example, without the sigmoid:
    """),
    code("""
    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return torch.where(targets == 1, 1 - predictions, predictions).mean()


    trgts = torch.tensor([1, 0, 1])
    prds = torch.tensor([0.9, 0.4, 0.2])
    print(f"tinygrad_edu {torch.where(trgts == 1, 1 - prds, prds).mean().item():.4f}   book 0.4333")
    """),
    md("""
    ### Gradients add up until you zero them

    `loss.backward()` computes the gradient of the loss with respect to every parameter and *adds* it to
    the parameter's `.grad`. Calling it three times on the same batch without zeroing gives one, two, then
    three times the gradient. (The book, with other random weights, printed a mean weight gradient of
    −0.0001, −0.0002, −0.0003.)
    """),
    code("""
    def calc_grad(xb, yb, model):
        preds = model(xb)
        loss = mnist_loss(preds, yb)
        loss.backward()


    xb, yb = train_x[:4], train_y[:4]
    for call in range(1, 4):
        calc_grad(xb, yb, linear1)
        print(f"after call {call}: weights.grad.mean() = {weights.grad.mean().item():.4e}, "
              f"bias.grad = {bias.grad.item():.4e}")
    weights.grad.zero_()
    bias.grad.zero_();
    """),
    md("""
    So the training loop zeroes the gradients after every step. One epoch visits every batch: compute the
    gradients, move each parameter a step of `lr` against its gradient, zero the gradients. The accuracy is
    measured on the validation set, batch by batch, as the chapter does.
    """),
    code("""
    def train_epoch(model, lr, params):
        for xb, yb in dl:
            calc_grad(xb, yb, model)
            for p in params:
                p.data -= p.grad * lr
                p.grad.zero_()


    def batch_accuracy(xb, yb):
        preds = xb.sigmoid()
        correct = (preds > 0.5) == yb
        return correct.float().mean()


    def validate_epoch(model):
        accs = [batch_accuracy(model(xb), yb) for xb, yb in valid_dl]
        return round(torch.stack(accs).mean().item(), 4)


    print(f"untrained: tinygrad_edu {validate_epoch(linear1):.4f}   book {BOOK_BY_HAND[0]:.4f}")
    """),
    md("""
    Untrained, the model is a coin toss. Now the chapter's training: one epoch with learning rate 1.0, a
    look at the accuracy, then 20 more epochs.
    """),
    code("""
    lr = 1.0
    params = weights, bias
    by_hand = [validate_epoch(linear1)]
    for _ in range(21):
        train_epoch(linear1, lr, params)
        by_hand.append(validate_epoch(linear1))

    print("epoch  tinygrad_edu  book")
    for epoch in [0, 1, 2, 3, 5, 10, 15, 20, 21]:
        print(f"{epoch:5d}  {by_hand[epoch]:12.4f}  {BOOK_BY_HAND[epoch]:.4f}")
    """),
    code("""
    def plot_history(runs, title):
        fig, ax = plt.subplots(figsize=(6, 3.2))
        for label, history, book in runs:
            line, = ax.plot(range(len(history)), history, label=f"{label}: tinygrad_edu")
            epochs = list(book) if isinstance(book, dict) else list(range(len(book)))
            ax.plot(epochs, [book[e] for e in epochs], "o", color=line.get_color(), markersize=4,
                    label=f"{label}: book")
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy")
        ax.set_ylim(0.4, 1.0)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        plt.show()


    plot_history([("xb @ weights + bias", by_hand, BOOK_BY_HAND)], "the linear model, trained by hand")
    """),
    md("""
    The curve rises fast in the first epochs and then flattens, as the book's does; the exact values
    differ because the starting weights do.

    ## Step c: `nn.Linear` and an optimizer

    `nn.Linear(28*28, 1)` holds the same two parameters (the weight is stored as a row, `[1, 784]`, and it
    computes `x @ W.T + b`) and starts them with PyTorch's smaller default initialisation. The chapter then
    moves the update into an optimizer: first its own five-line `BasicOptim`, then the library's `SGD`.
    """),
    code("""
    linear_model = nn.Linear(28 * 28, 1)
    w, b = linear_model.parameters()
    w.shape, b.shape
    """),
    code("""
    class BasicOptim:
        def __init__(self, params, lr):
            self.params, self.lr = list(params), lr

        def step(self, *args, **kwargs):
            for p in self.params:
                p.data -= p.grad.data * self.lr

        def zero_grad(self, *args, **kwargs):
            for p in self.params:
                p.grad = None


    def train_epoch(model):
        for xb, yb in dl:
            calc_grad(xb, yb, model)
            opt.step()
            opt.zero_grad()


    def train_model(model, epochs):
        history = [validate_epoch(model)]
        for _ in range(epochs):
            train_epoch(model)
            history.append(validate_epoch(model))
        return history


    torch.manual_seed(0)
    linear_model = nn.Linear(28 * 28, 1)
    opt = BasicOptim(linear_model.parameters(), lr=1.0)
    basic = train_model(linear_model, 20)

    torch.manual_seed(0)  # the same starting weights, stepped by the library's SGD
    linear_model = nn.Linear(28 * 28, 1)
    opt = torch.optim.SGD(linear_model.parameters(), lr=1.0)
    sgd = train_model(linear_model, 20)

    print("epoch  tinygrad_edu  book")
    for epoch in [0, 1, 2, 5, 10, 20]:
        book = f"{BOOK_NN_LINEAR[epoch]:.4f}" if epoch in BOOK_NN_LINEAR else ""
        print(f"{epoch:5d}  {sgd[epoch]:12.4f}  {book}")
    print("BasicOptim and optim.SGD agree:", basic == sgd)
    """),
    md("""
    Both optimizers do the same arithmetic, so from the same starting weights they print the same
    accuracies at every epoch. The book's 0.4932 after the first epoch is what calling every image a 3
    scores (the mean of the per-batch accuracies, with the 3s in the first batches); then it learned.

    ## Step d: `simple_net`, two layers with a ReLU between them

    Two linear layers in a row would collapse into one linear layer; the ReLU between them (`max(x, 0)`)
    keeps them apart, so each of the 30 hidden units can detect something and the last layer combines them.
    The chapter trains it with a smaller learning rate, 0.1, for 40 epochs.
    """),
    code("""
    torch.manual_seed(0)
    simple_net = nn.Sequential(
        nn.Linear(28 * 28, 30),
        nn.ReLU(),
        nn.Linear(30, 1),
    )
    opt = torch.optim.SGD(simple_net.parameters(), lr=0.1)
    net = train_model(simple_net, 40)

    print("epoch  tinygrad_edu  book")
    for epoch in [0, 1, 5, 10, 20, 30, 40]:
        book = f"{BOOK_SIMPLE_NET[epoch]:.4f}" if epoch in BOOK_SIMPLE_NET else ""
        print(f"{epoch:5d}  {net[epoch]:12.4f}  {book}")
    """),
    code("""
    plot_history([("by hand", by_hand, BOOK_BY_HAND), ("nn.Linear + SGD", sgd, BOOK_NN_LINEAR),
                  ("simple_net", net, BOOK_SIMPLE_NET)], "the chapter's three models (dots: the book)")
    """),
    md("""
    ## What next

    * [02_learners_questions.ipynb](02_learners_questions.ipynb): why multiply each pixel by a weight,
      what the bias is for, and more questions, answered by experiments.
    * [03_inside_autograd.ipynb](03_inside_autograd.ipynb): what `loss.backward()` did in every cell above,
      drawn and traced step by step.
    * The same steps as scripts: `examples/a_pixel_similarity.py` to `examples/d_simple_net.py`; their
      numbers beside the book's: [docs/lesson.md](../lesson.md).
    """),
]
