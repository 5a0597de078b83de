"""Random number generators, as ``torch.Generator`` and the ``torch.random`` module.

A ``Generator`` wraps a numpy ``np.random.Generator`` (the PCG64 algorithm) and adds PyTorch's interface:
``manual_seed``, ``seed``, ``initial_seed``, ``get_state``/``set_state``. Everything random in
tinygrad_edu (``randn``, ``rand``, ``randint``, ``randperm``, ``multinomial``, ``Tensor.normal_``,
``nn.init``, ``DataLoader(shuffle=True)``) draws from the generator passed as ``generator=``, or else from
``default_generator``, which ``manual_seed`` seeds. The streams are not PyTorch's, but one seed always gives
one stream, and a private generator never disturbs the default one::

    g = torch.Generator().manual_seed(2147483647)    # makemore's private generator
    torch.randn((27, 27), generator=g)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .devices import as_device

_MAX_SEED = 0xFFFF_FFFF_FFFF_FFFF
_DEFAULT_SEED = 67280421310721  # what a new torch.Generator() starts from, as in PyTorch
# get_state()'s bytes: the seed, PCG64's 128-bit state and increment, its cached 32-bit half
_STATE_BYTES = (8, 16, 16, 1, 4)


def _check_seed(seed: Any, caller: str) -> int:
    """An int in PyTorch's range [-2**63, 2**64 - 1]; negatives wrap as PyTorch's (2**64 - 1 + seed)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{caller}: seed must be an int, got {seed!r}")
    seed = int(seed)
    if not -0x8000_0000_0000_0000 <= seed <= _MAX_SEED:
        raise ValueError(f"{caller}: seed must be in [-2**63, 2**64 - 1], got {seed}")
    return seed + _MAX_SEED if seed < 0 else seed


class Generator:
    """A source of random numbers with its own state: two generators with one seed give one stream."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = as_device(device, "Generator()")
        self._initial_seed = _DEFAULT_SEED
        self._numpy = np.random.default_rng(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``; returns the generator (``Generator().manual_seed(42)``)."""
        return self._restart(seed, "Generator.manual_seed()")

    def _restart(self, seed: Any, caller: str) -> Generator:
        self._initial_seed = _check_seed(seed, caller)
        self._numpy = np.random.default_rng(self._initial_seed)  # numpy's PCG64 stream for this seed
        return self

    def seed(self) -> int:
        """Restart from a fresh non-deterministic seed, and return it."""
        fresh = int(np.random.SeedSequence().entropy) & _MAX_SEED
        self.manual_seed(fresh)
        return fresh

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._initial_seed

    def get_state(self) -> Any:
        """The state as a uint8 tensor: ``set_state`` on it replays the stream from this point."""
        from .tensor import Tensor  # not at the top: tensor.py's own imports lead back to this module

        bits = self._numpy.bit_generator.state
        values = (self._initial_seed, bits["state"]["state"], bits["state"]["inc"], bits["has_uint32"],
                  bits["uinteger"])
        raw = b"".join(v.to_bytes(n, "little") for v, n in zip(values, _STATE_BYTES, strict=True))
        return Tensor._make(np.frombuffer(raw, np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state that ``get_state`` returned (of this or any other generator)."""
        array = getattr(new_state, "_data", None)
        if array is None or array.dtype != np.uint8 or array.shape != (sum(_STATE_BYTES),):
            raise TypeError(f"Generator.set_state(): new_state must be the uint8 tensor get_state() returns "
                            f"({sum(_STATE_BYTES)} bytes), got {new_state!r}")
        raw, values = array.tobytes(), []
        for n in _STATE_BYTES:
            values.append(int.from_bytes(raw[:n], "little"))
            raw = raw[n:]
        seed, state, inc, has_uint32, uinteger = values
        bit_generator = np.random.PCG64()
        bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                               "has_uint32": has_uint32, "uinteger": uinteger}
        self._initial_seed, self._numpy = seed, np.random.Generator(bit_generator)
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_edu.Generator (device={self.device}, initial_seed={self._initial_seed})>"


default_generator = Generator()
default_generator.seed()  # as PyTorch, the default stream differs from run to run until manual_seed


def numpy_generator(generator: Generator | None, caller: str) -> np.random.Generator:
    """The numpy generator behind ``generator=`` (the default generator's when None)."""
    if generator is None:
        return default_generator._numpy
    if not isinstance(generator, Generator):
        raise TypeError(f"{caller}: generator must be a tinygrad_edu.Generator, "
                        f"got {type(generator).__name__}")
    return generator._numpy


# ---- torch.random: the default generator's functions ----------------------------------------------------


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (behind randn, rand, ..., nn.init, DataLoader's shuffling); returns it."""
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)  # PyTorch calls int(seed): 7.0 is seed 7; unlike PyTorch, 7.5 is refused (not 7)
    return default_generator._restart(seed, "manual_seed()")


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator's current stream started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The default generator's state, a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)
