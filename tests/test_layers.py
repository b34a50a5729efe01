"""The layers of the package import downwards only, and no module imports itself
back through others, lazy (in-function) imports included.

    exceptions  (imports nothing of the library)
    _utils      (validation, chunking, panels, BLAS threads, progress, callers)
    _kernels    (Numba kernels: _utils and exceptions only)
    _core       (the IMD pipeline: no metrics, _compare, _cli, CLI or plotting)
    _io         (file readers behind io.py: _utils and exceptions only)
    features    (images to a network's features: _io, _utils and exceptions only)
    metrics, latent, models, signature, io, _compare, _reference, plotting, _cli, __main__
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_imd"

# For each layer, the top-level parts of sklearn_imd it may import from.
ALLOWED = {
    "exceptions": set(),
    "_utils": {"_utils", "exceptions"},
    "_kernels": {"_kernels", "_utils", "exceptions"},
    "_core": {"_core", "_kernels", "_utils", "exceptions"},
    "_io": {"_io", "_utils", "exceptions"},
    "features": {"features", "_io", "_utils", "exceptions"},
}


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path):
    """The sklearn_imd modules that ``path`` imports, anywhere in its code."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("sklearn_imd"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("sklearn_imd"):
                target = node.module
            else:
                continue
            found.add(target)
            # "from . import x" may name a submodule
            found.update(f"{target}.{a.name}" for a in node.names
                         if (PACKAGE.parent / (target.replace(".", "/") + f"/{a.name}.py")).exists())
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {m for m in imports(path) if m in MODULES and m != name}
         for name, path in MODULES.items()}


def layer(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) in ALLOWED))
def test_a_layer_imports_only_below_itself(name):
    allowed = ALLOWED[layer(name)]
    wrong = sorted(m for m in GRAPH[name] if m != "sklearn_imd" and layer(m) not in allowed)
    assert not wrong, f"{name} imports {wrong}; {layer(name)} may import only {sorted(allowed)}"
    assert "sklearn_imd" not in GRAPH[name], f"{name} imports the package's __init__"


def test_no_circle():
    """No module reaches itself again through the modules it imports (a
    package imports its own submodules: those edges are left out)."""
    def edges(name):
        return {m for m in GRAPH[name] if not m.startswith(name + ".")}

    state = {}  # name -> 1 visiting, 2 done

    def visit(name, path):
        state[name] = 1
        for m in sorted(edges(name)):
            if state.get(m) == 1:
                cycle = path[path.index(m):] + [m]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if m not in state:
                visit(m, path + [m])
        state[name] = 2

    for name in sorted(MODULES):
        if name not in state:
            visit(name, [name])


def test_the_check_sees_lazy_and_relative_imports():
    """A spy: the import graph holds what the modules are known to import, lazy
    imports in functions included (metrics._imd reads _core.compute lazily)."""
    assert "sklearn_imd._core.compute" in GRAPH["sklearn_imd.metrics._imd"]
    assert "sklearn_imd._kernels.jit" in GRAPH["sklearn_imd._kernels.lanczos"]
    assert "sklearn_imd._kernels" in GRAPH["sklearn_imd._core.heat"]


def test_every_imd_default_is_written_once():
    """The IMD parameters' defaults of every public function and of the command
    line are those of IMD_DEFAULTS, and every command takes every parameter."""
    import inspect

    from sklearn_imd import IMDSignature, imd_score, imd_signature, imd_test, pairwise_imd
    from sklearn_imd.__main__ import _build_parser, _imd_params
    from sklearn_imd._utils.validation import IMD_DEFAULTS

    for fn in (IMDSignature, imd_score, imd_signature, imd_test, pairwise_imd):
        params = inspect.signature(fn).parameters
        assert {name: params[name].default for name in IMD_DEFAULTS} == IMD_DEFAULTS, fn
    parser = _build_parser()
    for argv in (["score", "a.npy", "b.npy"], ["compare", "r.npy", "g.npy"],
                 ["stats", "r.npy", "-o", "r.npz"]):
        assert _imd_params(parser.parse_args(argv)) == IMD_DEFAULTS, argv
