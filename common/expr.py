"""Safe math expressions typed by users: parsed with an ``ast`` whitelist, never ``eval``.

Allowed: numbers, the variables the caller names (``x``, ``y``...), ``+ - * / **``, unary minus
and plus, calls to ``sin cos tan exp log sqrt abs`` (plus ``arcsin arccos arctan sinh cosh tanh
log10 log2``), and the constants ``pi`` and ``e``. ``^`` is read as ``**`` (as people write
powers); implicit products (``2x``) are not accepted. Anything else (attributes, subscripts, strings,
other names, keyword arguments, comprehensions, lambda...) raises :class:`ExpressionError`.

    f = compile_expression("x**3 - 3*x + 1")      # f(x) works on floats and NumPy arrays
    g = compile_expression("sin(x) + cos(y)", variables=("x", "y"))
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np

from common.cli import UserError


class ExpressionError(UserError):
    """The expression is not valid or uses something outside the whitelist."""


FUNCTIONS: dict[str, Callable] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "abs": np.abs, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh, "log10": np.log10, "log2": np.log2,
}
CONSTANTS = {"pi": float(np.pi), "e": float(np.e)}
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
           ast.Pow: np.power}
_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive}
MAX_LENGTH = 500


def parse_expression(text: str, variables: tuple[str, ...] = ("x",)) -> ast.Expression:
    """Parse and validate ``text``; returns the checked AST."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression: type a formula such as 'x**2 + 3*x + 2'")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes from the command line that are not UTF-8 (surrogate escapes)
        raise ExpressionError("the expression is not valid UTF-8 text: type it with plain characters") from None
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc.msg} (use * for products, ** for powers)") from None
    _check(tree.body, variables, text)
    return tree


def _check(node: ast.AST, variables: tuple[str, ...], text: str) -> None:
    """Accept ``node`` and everything below it only if every piece is on the whitelist."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"only numbers are allowed as constants, got {node.value!r}")
        try:
            float(node.value)
        except OverflowError:
            raise ExpressionError(f"the number {str(node.value)[:12]}... is too large (the limit is about 1e308)") \
                from None
        return
    if isinstance(node, ast.Name):
        if node.id in variables or node.id in CONSTANTS:
            return
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, as in {node.id}(x)")
        allowed = ", ".join((*variables, *CONSTANTS))
        raise ExpressionError(f"unknown name {node.id!r} in {text!r} (variables and constants: {allowed})")
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed (use + - * / **)")
        _check(node.left, variables, text)
        _check(node.right, variables, text)
        return
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.operand, variables, text)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(f"function {name!r} is not allowed (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{node.func.id}() takes exactly one argument")
        _check(node.args[0], variables, text)
        return
    raise ExpressionError(f"{type(node).__name__} is not allowed in an expression: {text!r}")


def _evaluate(node: ast.AST, env: dict):
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, env)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, env), _evaluate(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, env))
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](_evaluate(node.args[0], env))
    raise ExpressionError(f"cannot evaluate {type(node).__name__}")  # unreachable after _check


def compile_expression(text: str, variables: tuple[str, ...] = ("x",)) -> Callable[..., np.ndarray]:
    """A function of ``variables`` (positional, floats or arrays) computing ``text``.

    Evaluation uses NumPy, so arrays broadcast; math errors (log of a negative) give nan/inf
    with NumPy's warnings silenced, which callers check with ``np.isfinite``.
    """
    tree = parse_expression(text, variables)

    def f(*values):
        if len(values) != len(variables):
            raise TypeError(f"expected {len(variables)} value(s) for {variables}")
        env = {name: np.asarray(v, dtype=float) for name, v in zip(variables, values)}
        with np.errstate(all="ignore"):
            result = _evaluate(tree, env)
        shape = np.broadcast_shapes(*(v.shape for v in env.values()))
        if shape:  # array input: array output of the broadcast shape, even for constants
            return np.array(np.broadcast_to(result, shape), dtype=float)
        return float(result)

    f.__name__ = "expression"
    f.__doc__ = f"f{variables} = {text.strip()}"
    f.text = text.strip()  # type: ignore[attr-defined]
    return f
