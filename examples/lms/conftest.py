"""Marks this folder as the example's root: pytest puts it on `sys.path` (a rootdir
conftest, no `__init__.py` above it), so the tests import `lms` without installing it."""
