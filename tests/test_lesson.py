"""tinygrad_edu.lesson: the chapter's data, loss, metrics and loop, checked against hand-computed values."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import lesson, nn, optim


def test_threes_and_sevens_are_shaped_as_the_book():
    data = lesson.threes_and_sevens()
    assert data.train.x.shape == (12396, 784) and data.train.x.dtype == np.float32
    assert data.train.y.shape == (12396, 1)
    assert data.valid.x.shape == (2038, 784) and data.valid.y.shape == (2038, 1)
    assert int(data.train.y.sum().item()) == 6131 and int(data.valid.y.sum().item()) == 1010
    assert data.train.y[0, 0].item() == 1 and data.train.y[-1, 0].item() == 0  # 3s first, then 7s
    assert 0.0 == data.train.x.min().item() and data.train.x.max().item() == 1.0


def test_mnist_loss_is_the_distance_of_the_sigmoid_from_the_target():
    scores = tg.tensor([[0.0], [2.0], [-1.0]])
    targets = tg.tensor([[1], [0], [0]])
    p = 1 / (1 + np.exp(-np.array([0.0, 2.0, -1.0])))
    expected = np.mean([1 - p[0], p[1], p[2]])
    assert lesson.mnist_loss(scores, targets).item() == pytest.approx(expected, rel=1e-6)


def test_accuracies_by_hand():
    scores = tg.tensor([[3.0], [-1.0], [0.5], [-2.0]])
    targets = tg.tensor([[1], [1], [0], [0]])
    assert lesson.batch_accuracy(scores, targets).item() == 0.5  # right on rows 0 and 3
    says_3 = scores > 0
    assert lesson.three_seven_accuracy(says_3, targets) == {"3s": 0.5, "7s": 0.5, "overall": 0.5}
    logits = tg.tensor([[0.1, 0.9], [2.0, 1.0], [0.0, 3.0]])
    assert lesson.class_accuracy(logits, tg.tensor([1, 1, 1])).item() == pytest.approx(2 / 3)


def test_calls_it_a_3_records_nothing():
    model = nn.Linear(2, 1)
    verdict = lesson.calls_it_a_3(model, tg.tensor([[1.0, 2.0]]))
    assert verdict.dtype == np.bool_ and not verdict.requires_grad


def test_validate_epoch_is_the_mean_of_per_batch_accuracies_rounded():
    model = nn.Linear(1, 1)
    with tg.no_grad():
        model.weight.fill_(1.0)
        model.bias.fill_(0.0)
    batches = [(tg.tensor([[1.0], [-1.0]]), tg.tensor([[1], [1]])),  # accuracy 0.5
               (tg.tensor([[1.0]]), tg.tensor([[1]]))]  # accuracy 1.0
    assert lesson.validate_epoch(model, batches) == 0.75  # unweighted, as the chapter


def test_train_epochs_lowers_the_loss():
    tg.manual_seed(0)
    x = tg.randn(64, 3)
    y = (x[:, :1] > 0).long()
    model = nn.Linear(3, 1)
    before = lesson.mnist_loss(model(x), y).item()
    lesson.train_epochs(model, [(x, y)], optim.SGD(model.parameters(), lr=1.0), epochs=50)
    assert lesson.mnist_loss(model(x), y).item() < before / 2


def test_the_lesson_models_have_the_chapter_shapes():
    assert [p.shape for p in lesson.linear_model().parameters()] == [(1, 784), (1,)]
    assert [p.shape for p in lesson.simple_net().parameters()] == [(30, 784), (30,), (1, 30), (1,)]
    assert lesson.digit_mlp()(tg.zeros(5, 784)).shape == (5, 10)


def test_init_params_is_the_chapters_randn_times_std():
    tg.manual_seed(3)
    weights = lesson.init_params((784, 1), std=0.5)
    tg.manual_seed(3)
    expected = tg.randn((784, 1)) * 0.5
    assert weights.requires_grad and weights.is_leaf and weights.shape == (784, 1)
    np.testing.assert_array_equal(weights.detach().numpy(), expected.numpy())


def test_mean_accuracy_records_the_graph_and_validate_epoch_does_not():
    model = nn.Linear(1, 1)
    batches = [(tg.tensor([[1.0], [-1.0]]), tg.tensor([[1], [0]]))]
    seen = []

    def metric(predictions, targets):
        seen.append(predictions.requires_grad)
        return lesson.batch_accuracy(predictions, targets)

    assert lesson.mean_accuracy(model, batches, metric) == lesson.validate_epoch(model, batches, metric)
    assert seen == [True, False]


def test_chapter_training_is_the_hand_written_loop():
    tg.manual_seed(0)
    x = tg.randn(64, 3)
    y = (x[:, :1] > 0).long()
    weights, bias = lesson.init_params((3, 1)), lesson.init_params(1)
    start = weights.detach().numpy().copy(), bias.detach().numpy().copy()
    losses, accuracies = lesson.chapter_training(weights, bias, [(x, y)], [(x, y)], epochs=30, lr=1.0)
    assert len(losses) == 30 and len(accuracies) == 30
    assert losses[-1] < losses[0] / 2 and accuracies[-1] > accuracies[0]
    # the first step is p -= grad * lr with the chapter's loss
    w, b = tg.tensor(start[0]).requires_grad_(), tg.tensor(start[1]).requires_grad_()
    linear1, mnist_loss, validate = lesson.chapter_functions(w, b, [(x, y)], torch=tg)
    first = mnist_loss(linear1(x), y)
    first.backward()
    assert first.item() == losses[0]
    expected = start[0] - w.grad.numpy()
    lesson.step_by_hand((w, b), lr=1.0)
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-6)
    assert not w.grad.numpy().any() and not b.grad.numpy().any()
    assert validate(linear1) == lesson.mean_accuracy(linear1, [(x, y)])
