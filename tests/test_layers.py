"""The layers: simulator never imports analysis; analysis.cli assembles the one ``ingroup`` app."""

from __future__ import annotations

import ast
import subprocess
import sys

from helpers import ROOT


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):  # imports inside functions too
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
    return out


def test_no_simulator_module_mentions_analysis_in_an_import():
    bad = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.split(".")[0] == "analysis")
           for p in (ROOT / "simulator").rglob("*.py")}
    assert not {k: v for k, v in bad.items() if v}


def test_simulator_never_imports_analysis():
    code = (
        "import importlib, pkgutil, sys, simulator\n"
        "for m in pkgutil.walk_packages(simulator.__path__, 'simulator.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(k for k in sys.modules if k == 'analysis' or k.startswith('analysis.'))\n"
        "assert not bad, bad\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]


def test_the_app_has_every_verb_once():
    from analysis.cli import make_app

    app = make_app()
    assert make_app() is app
    names = [c.name for c in app.registered_commands]
    assert sorted(names) == sorted(set(names))
    assert {"run", "sweep", "import", "schema", "analyze", "evaluate", "report", "export"} <= set(names)


def test_help_imports_no_analyzer_model_or_orchestration_code():
    # `ingroup --help` and every verb's --help build the app only: no rule sets compiled, no autogen,
    # no pandas. (What it costs is in the README's measured figures.)
    heavy = ["analysis.labels", "analysis.api", "analysis.report", "simulator.conversation.orchestrator", "simulator.sweep",
             "autogen_agentchat", "pandas", "llama_cpp", "inspect_ai"]
    code = (
        "import sys\n"
        "from analysis.cli import main\n"
        "for argv in (['--help'], ['sweep', '--help'], ['analyze', '--help'], ['report', '--help'], "
        "['export', '--help']):\n"
        "    sys.argv = ['ingroup', *argv]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]"


def test_a_sweep_too_large_to_run_is_refused_without_loading_orchestration_code(tmp_path):
    # The refusal comes from arithmetic on the sweep file: nothing of autogen or the executor is needed.
    levels = "".join(f"      l{i}: {{}}\n" for i in range(10))
    f = tmp_path / "huge.yaml"
    f.write_text(f"name: huge\nscenario: {ROOT / 'scenarios' / 'egomaniac.yaml'}\nrepetitions: 100000\n"
                 f"factors:\n  framing:\n    levels:\n{levels}")
    heavy = ["simulator.executor", "simulator.conversation.orchestrator", "autogen_agentchat", "llama_cpp"]
    code = (
        "import sys\n"
        "from analysis.cli import main\n"
        f"sys.argv = ['ingroup', 'sweep', {str(f)!r}, '--dry-run']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    print('exit', e.code)\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "1000000 runs, more than the limit" in p.stderr, p.stderr
    assert p.stdout.strip().splitlines()[-2:] == ["exit 2", "[]"]


def test_the_packages_public_names_all_resolve_and_load_lazily():
    code = (
        "import sys, simulator, analysis\n"
        "light = not any(m in sys.modules for m in ('pandas', 'autogen_agentchat', 'analysis.labels'))\n"
        "names = [getattr(simulator, n) for n in simulator.__all__] + [getattr(analysis, n) for n in analysis.__all__]\n"
        "print(light, len(names), callable(analysis.analyze), analysis.stats.__name__)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["True", "49", "True", "analysis.stats"]
