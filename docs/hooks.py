"""MkDocs hooks: what the site must not let drift from the code is generated at build time.

- The API reference: one page per package of deepgrad (``api/engine.md``, ...), holding every
  public module found in ``src/deepgrad`` (no ``_private`` part, no ``__main__``), so a module
  added or moved is documented without an edit here.
- The Lab section of the nav: every page in ``docs/lab``, its README first.
- The vendored KaTeX (src/deepgrad/lab/static/katex) copied into the site: one copy serves the
  lab report (inlined) and the site (as files); nothing is fetched from a CDN.
"""

import shutil
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "deepgrad"
KATEX = PACKAGE / "lab" / "static" / "katex"
LAB_PAGES = ROOT / "docs" / "lab"


def public_modules():
    """Dotted names of deepgrad's public modules and packages, from the source tree, sorted."""
    names = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        folders = path.parent.relative_to(PACKAGE.parent).parts
        is_package = all((PACKAGE.parent.joinpath(*folders[:k + 1]) / "__init__.py").exists()
                         for k in range(len(folders)))
        if is_package and not any(p.startswith("_") for p in parts):
            names.append(".".join(parts))
    return sorted(names)


def api_pages():
    """{page path: [modules]}: ``api/deepgrad.md`` for the top-level modules, one per package."""
    pages = {}
    for name in public_modules():
        parts = name.split(".")
        top = parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else "deepgrad"
        pages.setdefault(f"api/{top}.md", []).append(name)
    return dict(sorted(pages.items(), key=lambda kv: (kv[0] != "api/deepgrad.md", kv[0])))


def _api_markdown(page, modules):
    title = "deepgrad" if page == "api/deepgrad.md" else f"deepgrad.{Path(page).stem}"
    blocks = "\n\n".join(f"::: {m}" for m in modules)
    return (f"# `{title}`\n\nGenerated from the docstrings of every public module "
            f"({len(modules)}), found in the source tree at build time.\n\n{blocks}\n")


def lab_pages():
    """The pages of docs/lab as nav paths, README first, then by name."""
    pages = sorted(p.relative_to(LAB_PAGES.parent).as_posix() for p in LAB_PAGES.rglob("*.md"))
    return sorted(pages, key=lambda p: (not p.endswith("/README.md"), p))


def on_config(config, **kwargs):
    """Fill the nav's "Lab" and "API reference" sections from the folder and the source tree."""
    for item in config["nav"]:
        if isinstance(item, dict) and "Lab" in item:
            item["Lab"] = lab_pages()
        elif isinstance(item, dict) and "API reference" in item:
            item["API reference"] = ["api.md"] + [
                {("deepgrad" if p == "api/deepgrad.md" else f"deepgrad.{Path(p).stem}"): p}
                for p in api_pages()]
    return config


def on_files(files, config, **kwargs):
    """Add the generated API pages to the site's files."""
    for page, modules in api_pages().items():
        files.append(File.generated(config, page, content=_api_markdown(page, modules)))
    return files


def on_post_build(config, **kwargs):
    shutil.copytree(KATEX, Path(config["site_dir"]) / "assets" / "katex", dirs_exist_ok=True)
