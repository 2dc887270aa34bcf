"""Records the seg-prep checkout the package is built from, so ``segprep.Pipeline`` finds the
libsegprep.so that ``scripts/demo`` (or ``swift build``) builds there, whichever came first."""

import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self):
        super().run()
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if os.path.isfile(os.path.join(root, "Package.swift")):
            with open(os.path.join(self.build_lib, "segprep", "_checkout.py"), "w") as f:
                f.write(f"# The seg-prep checkout this package was built from.\nROOT = {root!r}\n")


setup(cmdclass={"build_py": BuildPy})
