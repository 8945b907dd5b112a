"""mailsurvey: read-only pre-migration inventory and assessment scanner for e-mail migrations."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mailsurvey")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
