from setuptools import setup

# All metadata lives in pyproject.toml; this file keeps `pip install -e` working on older pips.
setup()
