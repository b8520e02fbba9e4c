"Every public name the docs site shows as a signature card has a one-line docstring: functions, classes, their public methods and properties (callback events included), and the methods fasttrain patches onto fastai's classes."
import ast, importlib, inspect, pkgutil
import pytest
import fasttrain

MODULES = sorted(m.name for m in pkgutil.iter_modules(fasttrain.__path__) if not m.name.startswith('_'))

def _doc(o): return (getattr(o, '__doc__', None) or '').strip()

def undocumented(mod) -> list[str]:
    "Public functions, classes, methods and properties of `mod` with no docstring"
    missing = []
    for name in getattr(mod, '__all__', []):
        o = getattr(mod, name)
        if not (inspect.isfunction(o) or inspect.isclass(o)) or getattr(o, '__module__', None) != mod.__name__: continue
        if not _doc(o): missing.append(name)
        if not inspect.isclass(o): continue
        for k, v in vars(o).items():
            if k.startswith('_'): continue
            if isinstance(v, property): ok = bool(_doc(v))
            else:
                f = getattr(v, '__func__', v)
                if not inspect.isfunction(f): continue
                ok = bool(_doc(f))
            if not ok: missing.append(f'{name}.{k}')
    # methods patched onto classes defined elsewhere (fastai's Learner, ...): found in the source
    tree = ast.parse(inspect.getsource(mod))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith('_') and ast.get_docstring(node) is None:
            if any('patch' in ast.unparse(d) for d in node.decorator_list) and not any(m.split('.')[-1] == node.name for m in missing):
                missing.append(f'{node.name} (patched)')
    return missing

@pytest.mark.parametrize('name', MODULES)
def test_public_names_have_docstrings(name):
    mod = importlib.import_module(f'fasttrain.{name}')
    assert undocumented(mod) == [], f"fasttrain.{name}: no docstring on {undocumented(mod)}"

def test_checker_finds_a_missing_docstring():
    "The check itself can fail: a module with an undocumented method and patched function is reported"
    import types, sys, textwrap, tempfile, importlib.util
    src = textwrap.dedent('''
        from fastcore.basics import patch
        __all__ = ['Good', 'Bad', 'f']
        class Good:
            "Documented"
            def run(self):
                "Documented too"
        class Bad:
            "Documented class"
            def before_fit(self): pass
            size = property(lambda self: 1)
        def f(): pass
        @patch
        def extra(self:Good): return 1
        ''')
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as fh: fh.write(src)
    spec = importlib.util.spec_from_file_location('fake_mod', fh.name)
    mod = importlib.util.module_from_spec(spec); sys.modules['fake_mod'] = mod; spec.loader.exec_module(mod)
    assert sorted(undocumented(mod)) == sorted(['Bad.before_fit', 'Bad.size', 'f', 'Good.extra'])
