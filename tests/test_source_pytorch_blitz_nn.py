"""PyTorch's 60-minute blitz, "Neural Networks": LeNet run with ``import tinygrad_edu as torch`` and with
PyTorch itself, from the same weights on the same inputs.

The tutorial defines a LeNet for 32x32 images (conv 1→6 5x5, max pool 2, conv 6→16 5x5, max pool 2,
flatten, three linear layers), prints it, lists its parameters, runs one random image, backpropagates a
random gradient after zero_grad(), computes an MSELoss against a random target, watches conv1's bias
gradient appear, updates the weights by hand (``f.data.sub_(f.grad.data * learning_rate)``) and then with
optim.SGD. The network is written once here and handed either library.
"""

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def lenet(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)  # 1 input channel, 6 output channels, 5x5 kernels
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 16 channels of 5x5 after the second pooling
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))  # [N, 6, 28, 28]
            s2 = F.max_pool2d(c1, (2, 2))  # [N, 6, 14, 14]
            c3 = F.relu(self.conv2(s2))  # [N, 16, 10, 10]
            s4 = F.max_pool2d(c3, 2)  # [N, 16, 5, 5]
            s4 = lib.flatten(s4, 1)  # [N, 400]
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            return self.fc3(f6)

    return Net()


def _twins():
    """Our LeNet (initialised by tinygrad_edu's default generator) and PyTorch's with the same weights."""
    tg.manual_seed(0)
    ours, theirs = lenet(tg), lenet(torch)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    return ours, theirs


RNG = np.random.default_rng(3)
IMAGE, UPSTREAM, TARGET = (RNG.standard_normal(shape) for shape in ((1, 1, 32, 32), (1, 10), (10,)))


def _as(lib, array):
    return lib.from_numpy(array.astype(np.float32))


def test_the_net_prints_and_lists_its_parameters_as_pytorch():
    ours, theirs = _twins()
    assert repr(ours) == repr(theirs)
    assert repr(ours).startswith("Net(\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n")
    params = list(ours.parameters())
    assert len(params) == 10 and tuple(params[0].size()) == (6, 1, 5, 5)
    assert [tuple(p.shape) for p in params] == [tuple(p.shape) for p in theirs.parameters()]


def test_forward_backward_and_the_loss_match_pytorch():
    ours, theirs = _twins()
    outs = []
    for lib, net in ((tg, ours), (torch, theirs)):
        out = net(_as(lib, IMAGE))
        assert tuple(out.shape) == (1, 10)
        net.zero_grad()
        out.backward(_as(lib, UPSTREAM))
        outs.append((out.detach().numpy(), [p.grad.numpy().copy() for p in net.parameters()]))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-4, atol=1e-6)
    for a, b in zip(outs[0][1], outs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)

    losses = []
    for lib, net in ((tg, ours), (torch, theirs)):
        target = _as(lib, TARGET).view(1, -1)  # the same shape as the output
        criterion = lib.nn.MSELoss()
        loss = criterion(net(_as(lib, IMAGE)), target)
        # the tutorial follows the graph back from the loss: (node, 0) pairs, down to a parameter's
        # AccumulateGrad (the ops' names differ: our mse_loss is composed of smaller ops)
        node, depth = loss.grad_fn, 0
        while type(node).__name__ != "AccumulateGrad":
            node, index = next(pair for pair in node.next_functions if pair[0] is not None)
            assert index == 0 and depth < 40
            depth += 1
        assert any(node.variable is p for p in net.parameters())
        net.zero_grad()  # zeroes the gradient buffers of all parameters
        assert net.conv1.bias.grad is None  # as PyTorch 2: zero_grad() sets them to None
        loss.backward()
        assert tuple(net.conv1.bias.grad.shape) == (6,)
        losses.append((loss.item(), net.conv1.bias.grad.numpy().copy()))
    assert losses[0][0] == pytest.approx(losses[1][0], rel=1e-5)
    np.testing.assert_allclose(losses[0][1], losses[1][1], rtol=1e-4, atol=1e-7)


def _train(lib, net, by_hand, steps=5, learning_rate=0.01):
    inputs = [_as(lib, RNG_STEPS[i]) for i in range(steps)]
    target = _as(lib, TARGET).view(1, -1)
    criterion = lib.nn.MSELoss()
    optimizer = None if by_hand else lib.optim.SGD(net.parameters(), lr=learning_rate)
    losses = []
    for input in inputs:
        if by_hand:
            net.zero_grad()
        else:
            optimizer.zero_grad()
        loss = criterion(net(input), target)
        loss.backward()
        if by_hand:
            for f in net.parameters():
                f.data.sub_(f.grad.data * learning_rate)
        else:
            optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in net.parameters()]


RNG_STEPS = np.random.default_rng(4).standard_normal((5, 1, 1, 32, 32))


@pytest.mark.parametrize("by_hand", [True, False], ids=["by-hand", "optim.SGD"])
def test_training_steps_match_pytorch(by_hand):
    ours, theirs = _twins()
    (our_losses, our_params), (their_losses, their_params) = (
        _train(lib, net, by_hand) for lib, net in ((tg, ours), (torch, theirs)))
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-4)
    for a, b in zip(our_params, their_params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert our_losses[-1] < our_losses[0]  # the one target is being learned
