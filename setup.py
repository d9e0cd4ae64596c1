"""Only for the wheel's bundled sample study; everything else is in pyproject.toml.

``qualcode demo`` runs the sample study in ``transcripts_sample/`` with the codebook in
``codebooks/``. They live at the top of the repository (the README, the tests and users point at
them there), outside the ``qualcode`` package, so package data cannot name them. This build step
copies them into the built package as ``qualcode/_bundled/`` so that a non-editable install
(``pip install .``, a wheel) carries them; an editable install finds them in the checkout.
``tests/test_wheel.py`` builds the wheel and checks its contents.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("codebooks", "transcripts_sample")


class BuildPyWithSample(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in BUNDLED:
            shutil.copytree(HERE / name, Path(self.build_lib) / "qualcode" / "_bundled" / name,
                            dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithSample})
