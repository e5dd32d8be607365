"""Data files people edit: the knowledge base (``faq.toml``), the outline's term list, example settings.

No code beyond locating these files lives here.
"""

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    return _HERE / name
