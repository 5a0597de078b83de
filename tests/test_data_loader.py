"""DataLoader and TensorDataset: batch counts, shuffling, the dataset forms, dtypes and shapes, errors."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, TensorDataset, load_mnist_sample
from tinygrad_edu.function import ShapeError


@pytest.fixture(scope="module")
def lesson():
    """The book's training and validation data: x float [N, 784], y a column [N, 1], 3s first."""
    sample = load_mnist_sample()

    def xy(threes, sevens):
        x = tg.cat([tg.tensor(threes).float() / 255, tg.tensor(sevens).float() / 255]).view(-1, 28 * 28)
        y = tg.tensor([1] * len(threes) + [0] * len(sevens)).unsqueeze(1)
        return x, y

    return xy(sample.train_3, sample.train_7), xy(sample.valid_3, sample.valid_7)


@pytest.fixture
def small():
    x = tg.tensor(np.arange(20, dtype=np.float32).reshape(10, 2))
    y = tg.tensor(np.arange(10).reshape(10, 1))
    return x, y


def as_arrays(batches):
    return [tuple(t.numpy() for t in batch) for batch in batches]


def assert_same_batches(a, b):
    assert len(a) == len(b)
    for batch_a, batch_b in zip(as_arrays(a), as_arrays(b), strict=True):
        for array_a, array_b in zip(batch_a, batch_b, strict=True):
            assert array_a.dtype == array_b.dtype
            np.testing.assert_array_equal(array_a, array_b)


def test_book_batches(lesson):
    (x, y), (valid_x, valid_y) = lesson
    assert x.shape == (12396, 784) and y.shape == (12396, 1)
    loader = DataLoader(list(zip(x, y, strict=True)), batch_size=256)
    batches = list(loader)
    assert len(loader) == len(batches) == 49
    assert [xb.shape for xb, _ in batches] == [(256, 784)] * 48 + [(108, 784)]
    assert [yb.shape for _, yb in batches] == [(256, 1)] * 48 + [(108, 1)]
    xb, yb = batches[0]
    assert xb.dtype == np.float32 and yb.dtype == np.int64
    assert not xb.requires_grad and not yb.requires_grad
    np.testing.assert_array_equal(np.concatenate([xb.numpy() for xb, _ in batches]), x.numpy())
    assert yb.numpy().sum() == 256 and batches[-1][1].numpy().sum() == 0  # unshuffled: 3s first, 7s last
    valid = DataLoader(list(zip(valid_x, valid_y, strict=True)), batch_size=256)
    assert len(valid) == 8 and [xb.shape[0] for xb, _ in valid][-1] == 246


def test_drop_last(lesson):
    (x, y), _ = lesson
    loader = DataLoader(list(zip(x, y, strict=True)), batch_size=256, drop_last=True)
    assert len(loader) == 48
    assert [xb.shape[0] for xb, _ in loader] == [256] * 48
    assert len(DataLoader(x, batch_size=12396, drop_last=True)) == 1
    assert len(DataLoader(x, batch_size=12397, drop_last=True)) == 0
    assert list(DataLoader(x, batch_size=12397, drop_last=True)) == []


def test_list_of_pairs_tuple_and_tensor_dataset_give_identical_batches(lesson):
    (x, y), _ = lesson
    forms = [list(zip(x, y, strict=True)), (x, y), [x, y], TensorDataset(x, y)]
    reference = list(DataLoader(forms[0], batch_size=256))
    for form in forms[1:]:
        assert_same_batches(list(DataLoader(form, batch_size=256)), reference)
    shuffled = list(DataLoader(forms[0], batch_size=256, shuffle=True, seed=3))
    for form in forms[1:]:
        assert_same_batches(list(DataLoader(form, batch_size=256, shuffle=True, seed=3)), shuffled)


def test_shuffle_is_reproducible_with_a_seed_and_new_each_epoch(small):
    x, y = small
    a = DataLoader((x, y), batch_size=4, shuffle=True, seed=42)
    b = DataLoader((x, y), batch_size=4, shuffle=True, seed=42)
    a1, a2, b1, b2 = list(a), list(a), list(b), list(b)
    assert_same_batches(a1, b1)
    assert_same_batches(a2, b2)
    first = np.concatenate([yb.numpy() for _, yb in a1]).ravel()
    second = np.concatenate([yb.numpy() for _, yb in a2]).ravel()
    assert not np.array_equal(first, second)
    assert sorted(first) == sorted(second) == list(range(10))  # each epoch is a permutation
    for xb, yb in a1:  # rows stay together
        np.testing.assert_array_equal(xb.numpy(), np.hstack([2 * yb.numpy(), 2 * yb.numpy() + 1]))
    other_seed = DataLoader((x, y), batch_size=4, shuffle=True, seed=7)
    assert not np.array_equal(first, np.concatenate([yb.numpy() for _, yb in other_seed]).ravel())


def test_shuffle_follows_manual_seed_and_generator(small):
    x, _ = small
    tg.manual_seed(0)
    first = [b.numpy() for b in DataLoader(x, batch_size=3, shuffle=True)]
    tg.manual_seed(0)
    again = [b.numpy() for b in DataLoader(x, batch_size=3, shuffle=True)]
    assert all(np.array_equal(p, q) for p, q in zip(first, again, strict=True))
    with_generator = DataLoader(x, batch_size=10, shuffle=True, generator=np.random.default_rng(5))
    rows = next(iter(with_generator)).numpy()[:, 0] // 2
    np.testing.assert_array_equal(rows, np.random.default_rng(5).permutation(10))


def test_labels_keep_their_shape(small):
    x, y = small
    pairs = list(zip(x, y, strict=True))
    assert [yb.shape for _, yb in DataLoader(pairs, batch_size=4)] == [(4, 1), (4, 1), (2, 1)]
    flat = y.view(-1)
    pairs = list(zip(x, flat, strict=True))
    assert [yb.shape for _, yb in DataLoader(pairs, batch_size=4)] == [(4,), (4,), (2,)]
    assert [yb.shape for _, yb in DataLoader((x, flat), batch_size=4)] == [(4,), (4,), (2,)]


def test_single_tensor_and_list_of_tensors(small):
    x, _ = small
    batches = list(DataLoader(x, batch_size=4))
    assert all(isinstance(b, tg.Tensor) for b in batches)
    assert [b.shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert_same_batches([(b,) for b in DataLoader(list(x), batch_size=4)], [(b,) for b in batches])
    assert_same_batches([(b,) for b in DataLoader(x.numpy(), batch_size=4)], [(b,) for b in batches])


def test_batches_are_copies_without_grad(small):
    x, y = small
    x.requires_grad_()
    for loader in (DataLoader((x, y), batch_size=4), DataLoader(list(zip(x, y, strict=True)), batch_size=4),
                   DataLoader(x, batch_size=4, shuffle=True, seed=0)):
        first = next(iter(loader))
        xb = first[0] if isinstance(first, tuple) else first
        assert not xb.requires_grad and xb.grad_fn is None
        xb.numpy()[...] = -1
        assert x._data.min() == 0
        assert next(iter(DataLoader(list(zip(x, y, strict=True)), batch_size=4)))[0].numpy().min() == 0


def test_tensor_dataset_is_indexed_whole(small, monkeypatch):
    x, y = small
    dataset = TensorDataset(x, y)
    assert len(dataset) == 10
    xi, yi = dataset[3]
    assert xi.tolist() == [6.0, 7.0] and yi.tolist() == [3]
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("read sample by sample"))
    assert len(list(DataLoader(dataset, batch_size=3, shuffle=True, seed=1))) == 4


def test_any_dataset_with_len_and_getitem(small):
    x, y = small

    class Squares:
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return x[i], y[i]

    assert_same_batches(list(DataLoader(Squares(), batch_size=4)), list(DataLoader((x, y), batch_size=4)))
    assert_same_batches(list(DataLoader(Squares(), batch_size=4, shuffle=True, seed=9)),
                        list(DataLoader((x, y), batch_size=4, shuffle=True, seed=9)))


def test_python_numbers_and_arrays_in_samples_follow_tensor_rules():
    samples = [(np.array([0.5, 1.5]), 1, 0.25), (np.array([2.5, 3.5]), 0, 0.75)]
    xb, yb, wb = next(iter(DataLoader(samples, batch_size=2)))
    assert (xb.dtype, yb.dtype, wb.dtype) == (np.float32, np.int64, np.float32)
    assert xb.tolist() == [[0.5, 1.5], [2.5, 3.5]] and yb.tolist() == [1, 0] and wb.tolist() == [0.25, 0.75]
    assert next(iter(DataLoader(list(range(5)), batch_size=5))).tolist() == [0, 1, 2, 3, 4]


def test_a_list_changed_after_the_loader_was_made(small):
    x, y = small
    samples = list(zip(x, y, strict=True))
    loader = DataLoader(samples, batch_size=4)
    assert len(loader) == 3
    samples.append((tg.tensor([100.0, 101.0]), tg.tensor([10])))
    assert len(loader) == 3 and len(list(loader)) == 3  # 11 rows
    assert list(loader)[-1][1].tolist() == [[8], [9], [10]]
    samples[0] = (tg.tensor([-1.0, -1.0]), tg.tensor([-1]))
    assert next(iter(loader))[1].tolist() == [[-1], [1], [2], [3]]


def test_empty_list():
    loader = DataLoader([], batch_size=4)
    assert len(loader) == 0 and list(loader) == []


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, None, "8"])
def test_bad_batch_size(small, batch_size):
    with pytest.raises(ValueError, match=rf"batch_size must be a positive integer, got {batch_size!r}"):
        DataLoader(small[0], batch_size=batch_size)


def test_mismatched_lengths_name_both(small):
    x, y = small
    short = y[:7]
    with pytest.raises(ValueError, match="TensorDataset: tensor 0 has 10 rows but tensor 1 has 7"):
        TensorDataset(x, short)
    for pair in ((x, short), [x, short]):
        with pytest.raises(ValueError, match="DataLoader: tensor 0 has 10 rows but tensor 1 has 7"):
            DataLoader(pair, batch_size=2)


def test_samples_of_different_shapes(small):
    x, y = small
    samples = list(zip(x, y, strict=True))
    samples[6] = (tg.tensor([1.0, 2.0, 3.0]), y[6])
    with pytest.raises(ShapeError, match=r"sample 6 has shape \(3,\) but sample 0 has \(2,\) \(element 0 of"):
        DataLoader(samples, batch_size=2)
    samples[6] = (x[6],)
    with pytest.raises(ValueError, match="sample 6 is a 1-tuple, but sample 0 is a 2-tuple"):
        DataLoader(samples, batch_size=2)
    samples[6] = x[6]
    with pytest.raises(ValueError, match="sample 6 is Tensor, but sample 0 is a 2-tuple"):
        DataLoader(samples, batch_size=2)


def test_other_bad_input(small):
    x, _ = small
    with pytest.raises(TypeError, match="cannot batch a int"):
        DataLoader(5)
    with pytest.raises(ValueError, match="0-dimensional tensor has no rows"):
        DataLoader(tg.tensor(3.0))
    with pytest.raises(ValueError, match="give seed or generator, not both"):
        DataLoader(x, seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="generator must be a numpy Generator"):
        DataLoader(x, generator=3)
    with pytest.raises(ValueError, match="TensorDataset needs at least one tensor"):
        TensorDataset()


class DictSamples:
    """A dataset object whose samples are dicts, as a torch Dataset may return."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return {"image": [float(i)] * 3, "label": i % 2}


@pytest.mark.parametrize("dataset, where", [
    ([{"x": [1.0, 2.0], "y": 0}, {"x": [3.0, 4.0], "y": 1}], "sample 0 is a dict (keys 'x', 'y')"),
    (DictSamples(), "sample 0 is a dict (keys 'image', 'label')"),
    ([({"x": 1.0}, 0), ({"x": 2.0}, 1)], "sample 0 (element 0 of each sample) is a dict (keys 'x')"),
])
def test_dict_samples_are_refused_by_name(dataset, where):
    with pytest.raises(TypeError) as error:
        list(DataLoader(dataset, batch_size=2))
    assert str(error.value).startswith(f"DataLoader: {where}; dicts are not batched")
    assert "list(zip(xs, ys))" in str(error.value)


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (-5, ValueError), (1.5, TypeError),
                                         ("a", TypeError)])
def test_a_seed_numpy_cannot_take_is_named(small, seed, error):
    with pytest.raises(error, match=f"^DataLoader: seed must be an integer 0 or more, got {seed!r}$"):
        DataLoader(small, batch_size=2, shuffle=True, seed=seed)
    assert len(list(DataLoader(small, batch_size=2, shuffle=True, seed=0))) > 0
