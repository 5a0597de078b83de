"""The cells of 05_after_the_lesson.ipynb: from the lesson's linear model to a CNN, then one attention head.

Edit this file, then run ``python scripts/docs_notebooks.py --only after``. The setup cell is added after
the title by the script. The CNN is examples/cnn_3s_and_7s.py's and the GPT examples/gpt_from_scratch.py's:
the cells import them. The whole notebook runs in seconds (tests/test_lite.py also runs it in Pyodide).
"""

from docs_notebooks import code, md

CELLS = [
    md("""
    # After the lesson: from the linear model to a CNN, and one attention head

    Chapter 4 ends with a model that gives each of the 784 pixels one weight per output. This notebook
    takes two steps past it, with the same `import tinygrad_edu as torch`:

    * a **convolutional network** on the very same 3s and 7s (fastbook chapter 13's "simple CNN"): small
      3×3 weight patterns slid over the whole picture instead of one weight per pixel; how its shapes
      shrink layer by layer, how few weights it needs, and what it reaches after one pass over the data;
    * one **attention head**, the piece a GPT stacks by the dozen: every position of a sequence scores all
      the earlier ones, and takes a weighted mean of what they offer. Drawn as a graph, then stepped
      through backward one op at a time.

    The CNN's code is `examples/cnn_3s_and_7s.py` and the GPT's `examples/gpt_from_scratch.py`; the cells
    below import their functions. Everything printed comes from this run.
    """),
    code("""
    import tempfile
    import time

    import numpy as np
    from cnn_3s_and_7s import draw, images_and_labels, simple_cnn, train
    from gpt_from_scratch import Config, gpt_classes
    from IPython.display import Image

    import tinygrad_edu as torch
    from tinygrad_edu import draw_graph, explore, lesson, nn
    from tinygrad_edu.data import load_mnist_sample
    """),
    md("""
    ## 1. The lesson's model, once more

    `nn.Linear(28*28, 1)` on rows of 784 pixels, trained by SGD with the chapter's `mnist_loss` for its
    20 epochs at learning rate 1, in batches of 256. Its accuracy is measured here on the whole validation
    set at once: the share of the 2,038 images whose score has the right sign (above 0: a 3).
    """),
    code("""
    data = lesson.threes_and_sevens()  # rows of 784 pixels in [0, 1]; y is 1 for a 3, 0 for a 7
    batches = [(data.train.x[i:i + 256], data.train.y[i:i + 256]) for i in range(0, len(data.train.x), 256)]

    torch.manual_seed(0)
    linear = nn.Linear(28 * 28, 1)
    started = time.perf_counter()
    lesson.train_epochs(linear, batches, torch.optim.SGD(linear.parameters(), lr=1.0), epochs=20)
    with torch.no_grad():
        linear_accuracy = ((linear(data.valid.x) > 0) == (data.valid.y == 1)).float().mean().item()
    linear_parameters = sum(p.numel() for p in linear.parameters())
    seconds = time.perf_counter() - started
    print(f"linear model: {linear_parameters} parameters, 20 epochs in {seconds:.1f} s, "
          f"valid accuracy {linear_accuracy:.4f}")
    """),
    md("""
    A weight per pixel cannot tell *where* on the picture a stroke is except by the pixel it lands on: a
    3 written a little to the left lights up other weights. A convolution looks at the picture another
    way.

    ## 2. A CNN on the same 3s and 7s

    A convolution layer holds a few small kernels, here 3×3 numbers each. Each kernel is laid over every
    3×3 patch of the picture in turn; at each place the nine pixels are multiplied by the nine weights and
    added up, giving one number: how much that patch looks like the kernel. Sliding it everywhere gives a
    new, smaller picture per kernel (a *channel*). With `stride=2` the kernel moves two pixels at a time,
    so every layer halves the picture; `padding=1` adds a border of zeros so the edges get a full patch.

    The book's simple CNN stacks five such layers, each with more kernels than the one before, each
    followed by ReLU but the last; the last has two kernels, one score for "3" and one for "7", and
    `nn.Flatten` drops the 1×1 picture around them. Its loss is cross-entropy over the two scores, not
    `mnist_loss`: the images come as `[N, 1, 28, 28]` (one channel of 28×28 pixels), the labels as the
    classes 0 ("3") and 1 ("7").
    """),
    code("""
    torch.manual_seed(0)
    cnn = simple_cnn(torch)  # examples/cnn_3s_and_7s.py builds it for the library handed in
    print(cnn)
    sample = load_mnist_sample()
    train_x, train_y = images_and_labels(sample.train_3, sample.train_7)  # numpy: [N, 1, 28, 28], [N]
    valid = images_and_labels(sample.valid_3, sample.valid_7)
    print("training images", train_x.shape, "labels", train_y.shape, "validation images", valid[0].shape)
    """),
    md("""
    What each layer does to one batch of 64 images, and how many weights it holds (each kernel has a
    3×3 patch per input channel, and a bias):
    """),
    code("""
    x = torch.from_numpy(train_x[:64])
    print(f"{'input':16s} {str(list(x.shape)):18s}")
    for name, layer in cnn.named_children():
        x = layer(x)
        weights = sum(p.numel() for p in layer.parameters())
        parts = layer if isinstance(layer, nn.Sequential) else [layer]
        kind = " + ".join(type(part).__name__ for part in parts)
        print(f"{name + ' ' + kind:16s} {str(list(x.shape)):18s} {weights:5d} weights")
    cnn_parameters = sum(p.numel() for p in cnn.parameters())
    print(f"CNN: {cnn_parameters:,} parameters in all (the linear model: {linear_parameters})")
    """),
    md("""
    The picture goes 28 → 14 → 7 → 4 → 2 → 1 pixels across while the channels go 1 → 4 → 8 → 16 → 32 → 2.
    A kernel of the first layer sees 3×3 pixels; one of the second sees 3×3 outputs of the first, each of
    which saw 3×3 pixels two apart, so 7×7 pixels; by the last layer each score depends on the whole
    image. The same few kernels are used at every place in the picture: 6,722 numbers in all, where a
    single linear layer from 784 pixels to even 30 outputs would need over 23,000.

    ### Training it for one epoch

    `train` from the example does what the book's `learn.fit_one_cycle(1, 0.01)` does: one pass over the
    training images in shuffled batches of 64, with Adam and the one-cycle schedule (the learning rate
    rises for the first quarter of the steps, then falls). It starts from the weights given, here the ones
    of the model above, and returns the losses, the validation accuracy and the trained weights.
    """),
    code("""
    order = np.random.default_rng(0).permutation(len(train_x))  # one shuffle, as the example draws it
    cnn_batches = [(train_x[order[i:i + 64]], train_y[order[i:i + 64]]) for i in range(0, len(train_x), 64)]
    start = {name: value.numpy().copy() for name, value in cnn.state_dict().items()}
    run = train(torch, start, cnn_batches, valid)
    losses = run["losses"]
    print(f"{len(cnn_batches)} steps in {run['seconds']:.1f} s; loss {losses[0]:.3f} at the first step, "
          f"{np.mean(losses[-20:]):.3f} over the last 20")
    print(f"{'linear model, 20 epochs':24s} valid accuracy {linear_accuracy:.4f}")
    print(f"{'CNN, 1 epoch':24s} valid accuracy {run['accuracy']:.4f}")
    print(("✓ " if run["accuracy"] > linear_accuracy else "✗ ") +
          "one epoch of the CNN beats twenty of the linear model")
    """),
    md("""
    The book reports a bit above 98 % for this model after its one epoch. What did the first layer learn?
    Its four kernels before and after training (red: positive weights, blue: negative), and below them
    what the trained kernels make of a 3 from the validation set: four 14×14 pictures, each dark where its
    kernel's pattern appears. (`draw` is the example's; it saves a PNG, shown here.)
    """),
    code("""
    with tempfile.TemporaryDirectory() as folder:
        picture = draw({"start": start, "runs": {"tinygrad_edu": run}, "example": valid[0][0]}, folder)
        kernels = Image(picture.read_bytes())
    kernels
    """),
    md("""
    A kernel with positive weights on one side and negative on the other answers most where a stroke
    has ink on that side only: along one edge of the strokes. `examples/cnn_3s_and_7s.py` runs the same
    code on PyTorch too, from the same starting weights, and compares the two runs step by step
    ([docs/cnn.md](../cnn.md) shows the result).

    ## 3. One attention head

    A GPT reads a sequence of tokens (characters, in `examples/gpt_from_scratch.py`), each turned into a
    vector of numbers. An attention head lets every position gather information from the positions before
    it. Each position makes three vectors from its own, with three `nn.Linear` layers:

    * a **query**: what it is looking for;
    * a **key**: what it offers to be found by;
    * a **value**: what it passes on when it is found.

    The score of position *i* for position *j* is the dot product of *i*'s query with *j*'s key: `q @ k.T`
    makes all of them at once, a T×T matrix. They are scaled by 1/√(head size) so that the softmax below
    does not start out saturated. A position may not look at the future (when the model predicts the next
    character, that character must stay unseen), so the scores above the diagonal are set to −∞ with a
    lower-triangular mask from `torch.tril`; the softmax of each row then turns the scores into weights
    that sum to 1 and are exactly 0 for the future. The head's output at each position is the weighted
    mean of the values.

    Here it is as a module, on a tiny input: one sequence of T = 4 positions, each a vector of C = 8
    numbers, and a head of size 4.
    """),
    code("""
    class Head(nn.Module):
        def __init__(self, channels, head_size, block_size):
            super().__init__()
            self.key = nn.Linear(channels, head_size, bias=False)
            self.query = nn.Linear(channels, head_size, bias=False)
            self.value = nn.Linear(channels, head_size, bias=False)
            self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))

        def forward(self, x):  # x: [T, C] (or [B, T, C])
            T = x.shape[-2]
            k, q = self.key(x), self.query(x)
            scores = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5         # [T, T]: query i · key j
            scores = scores.masked_fill(self.tril[:T, :T] == 0, float("-inf"))  # no looking ahead
            weights = torch.softmax(scores, dim=-1)                         # each row sums to 1
            return weights @ self.value(x)                                  # [T, head_size]


    torch.manual_seed(0)
    T, C = 4, 8
    head = Head(C, 4, block_size=T)
    x = torch.randn(T, C)
    print("the head's output:", head(x).shape)
    """),
    md("""
    The same steps one at a time, with the head's own layers, to see the matrices:
    """),
    code("""
    k, q = head.key(x), head.query(x)
    scores = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
    print("scores, row i = query i against every key j:", scores, sep="\\n")
    print("the mask, torch.tril(torch.ones(4, 4)):", head.tril, sep="\\n")
    masked = scores.masked_fill(head.tril == 0, float("-inf"))
    weights = torch.softmax(masked, dim=-1)
    print("softmax of the masked scores, row by row:", weights, sep="\\n")
    print("every row sums to 1:", bool(torch.allclose(weights.sum(-1), torch.ones(T))))
    print("position 0 can only look at itself:", weights[0, 0].item() == 1.0)
    out = weights @ head.value(x)
    print("the steps give the head's output:", bool(torch.allclose(out, head(x))))
    """),
    md("""
    The first position has no past: all its weight goes to itself. The last one spreads its weight over
    all four. This is the `Head` of `examples/gpt_from_scratch.py` (there with dropout on the weights, and
    a batch axis): copied into it, our weights give the same output.
    """),
    code("""
    GPT = gpt_classes(torch)
    tiny = GPT(vocab_size=10, cfg=Config(n_embd=C, n_head=2, n_layer=1, block_size=T, dropout=0.0))
    their_head = tiny.blocks[0].sa.heads[0]  # head size n_embd // n_head = 4, like ours
    their_head.load_state_dict(head.state_dict())
    print("gpt_from_scratch's Head computes the same:", bool(torch.allclose(their_head(x[None])[0], head(x))))
    """),
    md("""
    ### The head as a graph

    To see backward, the head needs a loss: here, as if it had to produce some given numbers, the mean
    squared error against a random target. In a picture of a model, `draw_graph` draws the ops of each
    module call as one box named after the module; `expand=False` keeps even the outermost call closed,
    which is how each head of a GPT looks:
    """),
    code("""
    target = torch.randn(T, 4)
    loss = nn.functional.mse_loss(head(x), target)
    draw_graph(loss, expand=False)
    """),
    md("""
    `expand=["head"]` opens the call named `head` (in a GPT: `expand=["blocks.0.sa.heads.0"]`): a frame
    around the ops it ran. The outermost calls are drawn open anyway, so here `draw_graph(loss)` draws the
    same. Inside: the three `Linear` boxes (each one op), then the transpose (`Permute`), `q @ kᵀ`
    (`MatMul`), the scaling (`Mul`), `masked_fill` (drawn as the `Where` it is made of, with the mask and
    −∞ as its constants), the `Softmax` and the weighted mean of the values (`MatMul`). Below the frame,
    the loss.
    """),
    code("""
    draw_graph(loss, expand=["head"])
    """),
    md("""
    ### Backward through the head, step by step

    `explore(loss)` runs backward and shows a page that steps through it (next/previous buttons, the
    slider, the arrow keys): at each step the op at work is red, with the gradient arriving at its output,
    its rule, and what it sends to each input. Gradients flow back through the weighted mean to the
    values and to the attention weights, through the softmax to the scores (the masked ones get none),
    and through `q @ kᵀ` to the queries and keys, and on to the three `Linear` layers' weights.
    """),
    code("""
    explore(loss)
    """),
    md("""
    ### The same head, eight times, in a GPT

    `examples/gpt_from_scratch.py` puts four heads side by side in each block (their outputs joined, then
    mixed by a `Linear`), adds a small MLP, LayerNorms and residuals, and stacks two blocks. A loss of it on
    random characters records well over a hundred ops; drawn, each call is one box, and
    `expand=["blocks.0.sa"]` opens the first block's attention to show its four heads (`explore` opens any
    box with a click).
    """),
    code("""
    torch.manual_seed(0)
    config = Config(n_embd=16, n_head=4, n_layer=2, block_size=8, dropout=0.0)
    model = GPT(vocab_size=20, cfg=config)
    idx, targets = torch.randint(20, (2, 8)), torch.randint(20, (2, 8))
    logits, gpt_loss = model(idx, targets)
    draw_graph(gpt_loss, expand=["blocks.0.sa"])
    """),
    md("""
    ## Where to read next

    * `examples/cnn_3s_and_7s.py` and [docs/cnn.md](../cnn.md): the CNN trained by tinygrad_edu and PyTorch
      side by side, and its kernels.
    * `examples/gpt_from_scratch.py` and [docs/gpt.md](../gpt.md): the whole GPT trained on tinygrad_edu's
      own docs, with samples before and after.
    * The third notebook, `03_inside_autograd.ipynb`: how `backward` walks a graph, on the lesson's model.
    """),
]
