"""The wheel carries everything qualcode loads at run time, and a non-editable install finds it.

An editable install reads templates, static files, the codebook and the sample from the checkout,
so nothing else in the suite would notice a file missing from the wheel: ``pip install .`` on a
new machine would (issue 25). The wheel is built from a copy of the files a build reads (a stale
``build/`` in the checkout could hide a missing file) with this environment's setuptools.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from qualcode.studies import b2b_influencer_marketing as replication

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "qualcode"
#: the folders inside the package that code reads files from: report.py's PackageLoader,
#: web/app.py's FileSystemLoader and StaticFiles
DATA_DIRS = ("templates", "web/templates", "web/static")
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "qualcode",
                "codebooks", "transcripts_sample")

pytest.importorskip("setuptools", minversion="64")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "qualcode"
    src.mkdir()
    # what a build reads, no more: a checkout may hold virtual environments, builds and outputs
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--no-cache-dir", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (whl,) = out.glob("qualcode-*.whl")
    return whl


def _files(root: Path, pattern: str = "*") -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob(pattern)
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_holds_every_module_template_static_file_and_the_bundled_study(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"qualcode/{f}" for f in _files(PACKAGE, "*.py")}
    for folder in DATA_DIRS:
        files = _files(PACKAGE / folder)
        assert files, f"qualcode/{folder} is empty: the test would check nothing"
        expected |= {f"qualcode/{folder}/{f}" for f in files}
    # what `qualcode demo` reads, by the names the demo uses
    for name in (replication.SAMPLE, Path(replication.CODEBOOK).parent.as_posix()):
        files = _files(REPO / name)
        assert files
        expected |= {f"qualcode/_bundled/{name}/{f}" for f in files}
    missing = sorted(expected - names)
    assert not missing, f"missing from {wheel.name}: {missing[:10]}"
    assert f"qualcode/_bundled/{replication.CODEBOOK}" in names
    assert f"qualcode/_bundled/{replication.SAMPLE}/codings_human.csv" in names
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt")))
    assert b"qualcode = qualcode.cli:run" in entry
    # and nothing that is not qualcode's (tests, the checkout's caches)
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n or n.endswith(".pyc")]


def _unpacked(wheel: Path, tmp_path: Path) -> tuple[Path, dict]:
    """The wheel unpacked as pip would install it, and an environment that imports qualcode from
    there only (not from this checkout), run from a folder outside any checkout."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    return site, env


def test_an_installed_wheel_finds_its_sample_codebook_and_web_files_outside_a_checkout(wheel,
                                                                                        tmp_path):
    site, env = _unpacked(wheel, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import qualcode, qualcode.web.app as app; from qualcode.cli.common import bundled; "
            "from qualcode.studies import b2b_influencer_marketing as r; "
            "print(qualcode.__file__); print(bundled(r.SAMPLE)); print(bundled(r.CODEBOOK)); "
            "print(app.HERE)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    module, sample, codebook, web = (Path(line) for line in proc.stdout.split("\n")[:4])
    for path in (module, sample, codebook, web):
        assert site in path.parents, (path, site)  # the wheel's copy, never the checkout's
    assert (sample / "codings_human.csv").is_file() and codebook.is_file()
    help_ = subprocess.run([sys.executable, "-m", "qualcode", "open", "--help"], cwd=elsewhere,
                           env=env, capture_output=True, text=True, timeout=120, check=False)
    assert help_.returncode == 0 and "--add-coder" in help_.stdout, help_.stderr[-2000:]


@pytest.mark.slow
def test_qualcode_demo_runs_from_the_installed_wheel_outside_a_checkout(wheel, tmp_path):
    site, env = _unpacked(wheel, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-m", "qualcode", "demo", "--n-boot", "20"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (elsewhere / "qualcode-demo" / "report.html").is_file()
    assert "Strategy by firm" in proc.stdout
