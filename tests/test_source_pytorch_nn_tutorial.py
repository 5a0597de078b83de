"""PyTorch's tutorial "What is torch.nn really?" (by fast.ai), up to and including its CNN, its patterns run
with ``import tinygrad_edu as torch`` and with PyTorch itself, from the same weights on the same batches.

The tutorial trains MNIST from scratch (a log-softmax written by hand, a negative log-likelihood by indexing,
updates under no_grad), then refactors step by step: F.cross_entropy, an nn.Module holding nn.Parameters,
nn.Linear, optim.SGD, TensorDataset and DataLoader, a fit() loop with validation, and finally a CNN of three
stride-2 convolutions with avg_pool2d, the same as nn.Sequential with Lambda layers, and with a wrapped
DataLoader and AdaptiveAvgPool2d, trained by SGD with momentum. Each function below is written once and
handed either library; the data is the bundled 3s and 7s (labels 3 and 7 of ten classes), a few hundred
images so the module runs in seconds.
"""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import load_mnist_sample

torch = pytest.importorskip("torch")

BS, LR = 64, 0.5


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _arrays(n_train=640, n_valid=256):
    """x (N, 784) float32 in [0, 1] and labels 3 or 7 (int64), shuffled once with a fixed seed."""
    sample = load_mnist_sample()

    def part(threes, sevens, n):
        x = np.concatenate([threes, sevens]).reshape(-1, 784).astype(np.float32) / 255
        y = np.array([3] * len(threes) + [7] * len(sevens))
        pick = np.random.default_rng(0).permutation(len(x))[:n]
        return x[pick], y[pick]

    return part(sample.train_3, sample.train_7, n_train) + part(sample.valid_3, sample.valid_7, n_valid)


X_TRAIN, Y_TRAIN, X_VALID, Y_VALID = _arrays()
WEIGHTS0 = np.random.default_rng(1).standard_normal((784, 10)).astype(np.float32) / math.sqrt(784)


def _tensors(lib):
    return [lib.from_numpy(a.copy()) for a in (X_TRAIN, Y_TRAIN, X_VALID, Y_VALID)]


# ---- from scratch, then nn.functional, nn.Module, nn.Linear and optim -----------------------------------


def _from_scratch(lib, lr=LR):
    """One epoch of the hand-written model: log_softmax(x @ w + b), nll by indexing, updates by hand."""
    x_train, y_train, _, _ = _tensors(lib)
    weights = lib.from_numpy(WEIGHTS0.copy())
    weights.requires_grad_()
    bias = lib.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    losses = []
    for i in range((len(x_train) - 1) // BS + 1):
        xb, yb = x_train[i * BS:i * BS + BS], y_train[i * BS:i * BS + BS]
        loss = nll(model(xb), yb)
        loss.backward()
        with lib.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
        losses.append(loss.item())
    preds = lib.argmax(model(x_train[:BS]), dim=1)
    return losses, (preds == y_train[:BS]).float().mean().item(), weights.detach().numpy().copy()


def _with_nn(lib, lr=LR):
    """The same epoch refactored: F.cross_entropy, an nn.Module with nn.Parameters, then nn.Linear + optim."""
    nn, F = lib.nn, lib.nn.functional
    x_train, y_train, _, _ = _tensors(lib)

    class MnistLogistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.Parameter(lib.from_numpy(WEIGHTS0.copy()))
            self.bias = nn.Parameter(lib.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    class MnistLinear(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    results = []
    for kind in ("module", "linear"):
        model = MnistLogistic() if kind == "module" else MnistLinear()
        if kind == "linear":
            with lib.no_grad():
                model.lin.weight.copy_(lib.from_numpy(WEIGHTS0.T.copy()))
                model.lin.bias.zero_()
            opt = lib.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for i in range((len(x_train) - 1) // BS + 1):
            xb, yb = x_train[i * BS:i * BS + BS], y_train[i * BS:i * BS + BS]
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            if kind == "module":
                with lib.no_grad():
                    for p in model.parameters():
                        p -= p.grad * lr
                    model.zero_grad()
            else:
                opt.step()
                opt.zero_grad()
            losses.append(loss.item())
        results.append(losses)
    return results


def test_from_scratch_and_every_refactoring_give_pytorchs_numbers():
    ours, theirs = _from_scratch(tg), _from_scratch(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    assert ours[1] == theirs[1] > 0.8  # one epoch of 10 batches: most of the first batch is right
    np.testing.assert_allclose(ours[2], theirs[2], atol=1e-5)
    assert ours[0][-1] < 0.5 * ours[0][0]
    for refactored_ours, refactored_theirs in zip(_with_nn(tg), _with_nn(torch)):
        np.testing.assert_allclose(refactored_ours, refactored_theirs, rtol=1e-5)
        np.testing.assert_allclose(refactored_ours, ours[0], rtol=1e-4)  # the same model, the same numbers


# ---- Dataset, DataLoader, validation and fit() -----------------------------------------------------------


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(lib, epochs, model, loss_func, opt, train_dl, valid_dl):
    """The tutorial's loop: train on every batch, then the validation loss averaged over the samples."""
    history = []
    for _ in range(epochs):
        model.train()
        train = [loss_batch(model, loss_func, xb, yb, opt)[0] for xb, yb in train_dl]
        model.eval()
        with lib.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        history.append((train, np.sum(np.multiply(losses, nums)) / np.sum(nums)))
    return history


def get_data(lib, train_ds, valid_ds, bs):
    # the tutorial shuffles the training set; unshuffled here, so both libraries see the same batches
    data = lib.utils.data
    return data.DataLoader(train_ds, batch_size=bs), data.DataLoader(valid_ds, batch_size=bs * 2)


def _datasets(lib):
    x_train, y_train, x_valid, y_valid = _tensors(lib)
    data = lib.utils.data
    return data.TensorDataset(x_train, y_train), data.TensorDataset(x_valid, y_valid)


def _copy_weights(source, target):
    """Copy a tinygrad_edu model's parameters into the same PyTorch model (numpy in between)."""
    state = {name: torch.from_numpy(value.numpy().copy()) for name, value in source.state_dict().items()}
    target.load_state_dict(state)


def test_fit_with_datasets_dataloaders_and_validation_matches_pytorch():
    runs = []
    for lib in (tg, torch):
        tg.manual_seed(0)
        model = tg.nn.Linear(784, 10)  # drawn once, by tinygrad_edu, then copied for PyTorch
        if lib is torch:
            model, ours = torch.nn.Linear(784, 10), model
            _copy_weights(ours, model)
        train_dl, valid_dl = get_data(lib, *_datasets(lib), BS)
        opt = lib.optim.SGD(model.parameters(), lr=LR)
        runs.append(fit(lib, 2, model, lib.nn.functional.cross_entropy, opt, train_dl, valid_dl))
    (ours, theirs) = runs
    for (train_a, valid_a), (train_b, valid_b) in zip(ours, theirs):
        np.testing.assert_allclose(train_a, train_b, rtol=1e-5)
        assert valid_a == pytest.approx(valid_b, rel=1e-5)
    assert ours[1][1] < ours[0][1] < 0.5  # the validation loss falls


# ---- the CNN: a class, then nn.Sequential with Lambda layers, then a wrapped DataLoader ----------------


def _cnn_class(lib):
    nn, F = lib.nn, lib.nn.functional

    class MnistCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    return MnistCNN()


def _lambda_class(lib):
    class Lambda(lib.nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    return Lambda


def _cnn_sequential(lib, adaptive):
    nn, Lambda = lib.nn, _lambda_class(lib)
    return nn.Sequential(
        Lambda(lambda x: x.view(-1, 1, 28, 28)) if not adaptive else nn.Identity(),
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1) if adaptive else nn.AvgPool2d(4),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )


class WrappedDataLoader:
    """The tutorial's wrapper: a DataLoader whose batches go through ``func`` (here: reshaped to images)."""

    def __init__(self, dl, func):
        self.dl, self.func = dl, func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield self.func(*b)


def _train_cnn(lib, make_model, wrapped=False):
    if lib is tg:
        tg.manual_seed(0)
        model = make_model(tg)
    else:
        tg.manual_seed(0)
        model = make_model(torch)
        _copy_weights(make_model(tg), model)  # the same draws as tinygrad_edu's model got
    train_dl, valid_dl = get_data(lib, *_datasets(lib), BS)
    if wrapped:
        def preprocess(x, y):
            return x.view(-1, 1, 28, 28), y

        train_dl, valid_dl = WrappedDataLoader(train_dl, preprocess), WrappedDataLoader(valid_dl, preprocess)
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(lib, 2, model, lib.nn.functional.cross_entropy, opt, train_dl, valid_dl)
    return history, [p.detach().numpy().copy() for p in model.parameters()], model


@pytest.mark.parametrize("kind", ["class", "sequential", "wrapped-adaptive"])
def test_the_cnn_trains_to_pytorchs_numbers(kind):
    def make(lib):
        return _cnn_class(lib) if kind == "class" else _cnn_sequential(lib, adaptive=kind != "sequential")

    (ours, our_params, model), (theirs, their_params, _) = (
        _train_cnn(lib, make, wrapped=kind == "wrapped-adaptive") for lib in (tg, torch))
    for (train_a, valid_a), (train_b, valid_b) in zip(ours, theirs):
        np.testing.assert_allclose(train_a, train_b, rtol=2e-4)
        assert valid_a == pytest.approx(valid_b, rel=2e-4)
    for a, b in zip(our_params, their_params):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    assert ours[-1][1] < ours[0][1] or ours[-1][1] < 1.0  # it learns
    if kind == "class":
        assert [name for name, _ in model.named_parameters()] == [
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias"]
        assert model(tg.from_numpy(X_VALID[:5])).shape == (5, 10)
