"""``Module``: objects that hold parameters and compute something with them, as ``torch.nn.Module``.

A ``Module`` finds its parameters the way PyTorch does: assigning a ``Parameter`` or another
``Module`` to an attribute (``self.weight = Parameter(...)``, ``self.layer1 = Linear(...)``) registers
it, in assignment order. ``parameters()`` then walks the tree of modules, which is what an optimizer
needs, and ``state_dict()`` names every value with a dotted path such as ``0.weight``.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from ..devices import to_args
from ..dtypes import as_dtype, to_array
from ..tensor import Tensor
from .parameter import Parameter
from .utils import zero_grad


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


_clock = itertools.count()  # numbers the start and the end of every Module call: calls nest like brackets


def _quoted(keys: list[str]) -> str:
    return ", ".join(f'"{k}"' for k in keys)


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return lines[0] + "".join("\n" + " " * spaces + line for line in lines[1:])


class Module:
    """Base class of every layer and model. Subclasses call ``super().__init__()`` and write ``forward``.

    Attributes that are ``Parameter``s or ``Module``s are registered when assigned, so
    ``parameters()`` finds them (in assignment order, submodules' after the module's own).
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration ---------------------------------------------------------------------------

    def _registries(self, what: str, name: str) -> tuple[dict, dict, dict]:
        d = self.__dict__
        registries = d.get("_parameters"), d.get("_buffers"), d.get("_modules")
        if registries[0] is None:
            raise AttributeError(
                f"cannot assign {what} '{name}' before Module.__init__() call: start "
                f"{type(self).__name__}.__init__ with super().__init__()"
            )
        return registries

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, (Parameter, Module)):
            kind = "parameter" if isinstance(value, Parameter) else "module"
            params, buffers, modules = self._registries(kind, name)
            self.__dict__.pop(name, None)
            for registry in (params, buffers, modules):  # a name lives in one registry only
                registry.pop(name, None)
            (params if kind == "parameter" else modules)[name] = value
        else:
            params = self.__dict__.get("_parameters")
            if params is not None and name in params:
                if value is not None:
                    raise TypeError(
                        f"cannot assign {type(value).__name__} as parameter '{name}' of "
                        f"{type(self).__name__} (a Parameter or None expected); wrap it: nn.Parameter(value)"
                    )
                params[name] = None
            elif name in self.__dict__.get("_modules", ()):
                if value is not None:
                    raise TypeError(
                        f"cannot assign {type(value).__name__} as child module '{name}' of "
                        f"{type(self).__name__} (a Module or None expected)"
                    )
                self._modules[name] = None
            elif name in self.__dict__.get("_buffers", ()):
                if value is not None and not isinstance(value, Tensor):
                    raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' "
                                    "(a Tensor or None expected)")
                self._buffers[name] = value
            else:
                if isinstance(value, Tensor) and value.requires_grad and value.is_leaf and params is not None:
                    warnings.warn(
                        f"{type(self).__name__}.{name} is a plain Tensor that requires grad: it is NOT "
                        "registered as a parameter, so parameters() and optimizers will not see it; use "
                        f"self.{name} = nn.Parameter(...)", stacklevel=2)
                object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: parameters, buffers and submodules live in registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, ()):
                del self.__dict__[registry][name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        registered = set(self._parameters) | set(self._buffers) | set(self._modules)
        return sorted(set(super().__dir__()) | registered)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None: a declared but absent parameter, like Linear's bias=False)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be a Parameter or None, "
                            f"not {type(param).__name__}")
        params, buffers, modules = self._registries("parameter", name)
        self.__dict__.pop(name, None)
        params[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that belongs to the module's state but is not trained (e.g. running statistics)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: '{name}' must be a Tensor or None, "
                            f"not {type(tensor).__name__}")
        params, buffers, modules = self._registries("buffer", name)
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_buffer: a buffer's name must be a non-empty string without '.', "
                           f"got {name!r}")
        if hasattr(self, name) and name not in buffers:
            raise KeyError(f"register_buffer: attribute '{name}' already exists")
        buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module or None, not {type(module).__name__}")
        params, buffers, modules = self._registries("module", name)
        self.__dict__.pop(name, None)
        modules[name] = module

    register_module = add_module

    # ---- walking the tree -----------------------------------------------------------------------

    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every submodule below it, each once, depth first."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, in assignment order."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for module_prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, e.g. ``("0.weight", ...)``; a shared parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and its submodules (what an optimizer is given)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on this module; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- running --------------------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                                  "function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = next(_clock)
        out = self.forward(*args, **kwargs)
        # For pictures that group the ops of each call (viz/modules.py), the op behind each output remembers
        # the call as (module, args, kwargs, start, end): O(1) per call, nothing per op. A tensor handed back
        # as it came in (Identity) was made by no op of this call and is not tagged.
        call = (self, args, kwargs, start, next(_clock))
        for tensor in (out,) if isinstance(out, Tensor) else out if isinstance(out, (tuple, list)) else ():
            fn = getattr(tensor, "grad_fn", None)
            if fn is not None and id(tensor) not in map(id, args):
                fn.module_calls = getattr(fn, "module_calls", ()) + (call,)
        return out

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and all submodules (Dropout/BatchNorm read it); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(): mode is expected to be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters: ``grad = None`` (default) or fill them with zeros."""
        zero_grad(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to("cpu")`` or ``to(device("cpu"))`` changes nothing (there is only the CPU; any other device is
        refused); ``to(float64)`` converts floating-point parameters and buffers in place. Returns self."""
        dtype = as_dtype(to_args(args, dict(kwargs), Tensor)[0])
        if dtype is not None:
            if dtype.kind != "f":
                raise TypeError(f"Module.to: only floating-point dtypes are accepted, got {dtype}")
            for t in list(self.parameters()) + list(self.buffers()):
                if t._data.dtype.kind == "f":
                    t._data = t._data.astype(dtype)
                    if t.grad is not None:
                        t.grad._data = t.grad._data.astype(dtype)
        return self

    def cpu(self) -> Module:
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    # ---- state ----------------------------------------------------------------------------------

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer under its dotted name (``0.weight``, ...).

        The tensors are detached but share storage with the module, as in PyTorch: later training
        changes them too (copy them, or ``save`` them, to keep a snapshot).
        """
        result = OrderedDict() if destination is None else destination
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            dotted = f"{module_prefix}." if module_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    result[dotted + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    result[dotted + name] = b if keep_vars else b.detach()
        return result

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copy values (Tensors or arrays) into the parameters and buffers of the same names.

        Everything is checked before anything is copied: with ``strict`` (default) missing and unexpected
        names are errors; a shape mismatch always is. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict of name -> Tensor, "
                            f"got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        arrays = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if isinstance(value, Tensor):
                array = value._data
            else:
                try:
                    array = to_array(value, target.dtype, caller="load_state_dict", copy=False)
                except (TypeError, ValueError) as error:
                    errors.append(f"value for {key} is not a tensor: {error}")
                    continue
            if array.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {array.shape} from "
                              f"checkpoint, the shape in current model is {tuple(target.shape)}.")
                continue
            arrays[key] = array
        if strict and unexpected:
            errors.insert(0, f"Unexpected key(s) in state_dict: {_quoted(unexpected)}.")
        if strict and missing:
            errors.insert(0, f"Missing key(s) in state_dict: {_quoted(missing)}.")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, array in arrays.items():
            own[key]._data[...] = array
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing -------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (its settings)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, module in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(module), 2))
        if not lines:
            return f"{self._get_name()}()"
        if len(lines) == 1 and not self._modules:
            return f"{self._get_name()}({lines[0]})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"
