"""Packaging shim: the metadata lives in pyproject.toml; the package list lives here."""

from setuptools import find_packages, setup

# pyproject.toml maps heat.cloudinit to the top-level cloudinit/ directory, but package
# discovery only walks real directories, so it never finds that package: name it here.
setup(packages=[*find_packages(include=["heat*"]), "heat.cloudinit"])
