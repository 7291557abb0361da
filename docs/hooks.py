"""MkDocs hook: copy the vendored KaTeX (src/deepgrad/lab/static/katex) into the built site.

One copy of KaTeX serves both the lab report (inlined) and the site (as files); nothing is
fetched from a CDN.
"""

import shutil
from pathlib import Path

KATEX = Path(__file__).resolve().parents[1] / "src" / "deepgrad" / "lab" / "static" / "katex"


def on_post_build(config, **kwargs):
    shutil.copytree(KATEX, Path(config["site_dir"]) / "assets" / "katex", dirs_exist_ok=True)
