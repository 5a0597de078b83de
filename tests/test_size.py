"""Size (a shape that shows itself as torch.Size) and Storage (the memory behind a tensor)."""

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu.size import Size


def test_shape_is_a_size_that_is_still_a_tuple():
    x = torch.ones(2, 3)
    assert repr(x.shape) == "torch.Size([2, 3])" and repr(x.size()) == "torch.Size([2, 3])"
    assert x.shape == (2, 3) and isinstance(x.shape, tuple)
    assert str(x.shape) == "torch.Size([2, 3])" and f"{x.shape}" == "torch.Size([2, 3])"  # print(x.shape)
    assert repr(x.shape[1:]) == "torch.Size([3])" and x.shape[0] == 2 and x.size(1) == 3
    assert x.shape.numel() == 6 and Size(()).numel() == 1
    assert repr(torch.tensor(1.0).shape) == "torch.Size([])"
    assert repr(x.shape + (4,)) == "torch.Size([2, 3, 4])"


def test_a_broadcast_tensor_shares_its_storage_and_has_stride_zero():
    c = torch.tensor([10.0, 20.0, 30.0])
    t = c.expand_as(torch.ones(3, 3))
    assert t.stride() == (0, 1) and t.shape == (3, 3)
    storage = t.storage()
    assert len(storage) == 3 and storage.tolist() == [10.0, 20.0, 30.0]
    kind = "torch.storage.TypedStorage(dtype=torch.float32, device=cpu)"
    assert repr(storage).splitlines() == [" 10.0", " 20.0", " 30.0", f"[{kind} of size 3]"]
    assert storage.data_ptr() == c.storage().data_ptr()


def test_views_share_storage_and_copies_do_not():
    m = torch.arange(6.0).view(2, 3)
    assert m.t().storage().data_ptr() == m.storage().data_ptr() and m.t().stride() == (1, 3)
    assert m[1].storage().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert m.clone().storage().data_ptr() != m.storage().data_ptr()
    assert np.shares_memory(m.numpy(), m.t().numpy())


def test_print_shows_the_size_as_pytorch_and_error_messages_name_plain_tuples(capsys):
    x = torch.zeros(182625, 8)
    print(x.shape, x.size(), x[0].shape)
    assert capsys.readouterr().out == "torch.Size([182625, 8]) torch.Size([182625, 8]) torch.Size([8])\n"
    with pytest.raises(torch.ShapeError) as caught:
        x.view(3, 5)
    assert "(182625, 8)" in str(caught.value) and "torch.Size" not in str(caught.value)
    with pytest.raises(torch.ShapeError, match=r"\(2, 3\) @ \(4, 2\)"):
        torch.ones(2, 3).mm(torch.ones(4, 2))
