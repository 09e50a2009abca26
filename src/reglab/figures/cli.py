"""``reglab figures --out DIR [--lang ja|en] [--format png|svg|pdf] [--only NAME...]``.

The argument parsing lives in :mod:`reglab.cli`; this module writes the files. Each figure of
:data:`reglab.figures.FIGURES` is saved as ``DIR/<name>.<format>`` (``01_overfitting.png``...),
and each path written is printed on its own line. ``--only`` takes figure names, whole
(``05_l2_tangent``), without their number (``l2_tangent``) or just the number (``5``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from reglab._validation import ReglabInputError

__all__ = ["resolve_names", "run_figures", "write_figures"]

_FORMATS = ("png", "svg", "pdf")
_DPI = 150


def resolve_names(only: list[str] | None) -> list[str]:
    """Return the :data:`~reglab.figures.FIGURES` keys selected by ``only``, in lecture order.

    All of them when ``only`` is empty.

    Raises
    ------
    ReglabInputError
        ``--only: must be one of ...; got 'name'`` for the first unknown name.
    """
    from reglab.figures import FIGURES

    if not only:
        return list(FIGURES)
    # Each figure answers to "05_l2_tangent", "l2_tangent" and "05" (or "5").
    aliases = {}
    for key in FIGURES:
        number, short = key.split("_", 1)
        aliases.update({key: key, short: key, number: key, str(int(number)): key})
    selected: list[str] = []
    for name in only:
        key = aliases.get(name)
        if key is None:
            raise ReglabInputError("--only", f"must be one of {', '.join(FIGURES)}", name)
        if key not in selected:
            selected.append(key)
    return [key for key in FIGURES if key in selected]  # lecture order


def write_figures(out: str | Path, *, lang: str = "ja", fmt: str = "png",
                  only: list[str] | None = None) -> Iterator[Path]:
    """Draw the selected figures and save them in ``out`` (created if missing).

    A generator: each figure is drawn, saved and closed before the next one, and its path is
    yielded as soon as the file is written. Input is checked before anything is drawn.
    """
    from reglab.figures import FIGURES
    from reglab.figures.labels import check_lang

    lang = check_lang(lang)
    if fmt not in _FORMATS:
        raise ReglabInputError("--format", f"must be one of {', '.join(_FORMATS)}", fmt)
    names = resolve_names(only)
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReglabInputError("--out", "must be a folder that can be created",
                               f"{out} ({error.strerror})") from None
    return _write(folder, names, FIGURES, lang, fmt)


def _write(folder: Path, names: list[str], figures, lang: str, fmt: str) -> Iterator[Path]:
    for name in names:
        result = figures[name](lang=lang)
        path = folder / f"{name}.{fmt}"
        result.figure.savefig(path, dpi=_DPI)
        yield path


def run_figures(args) -> int:
    """Entry point of ``reglab figures``: ``args`` has ``out``, ``lang``, ``format``, ``only``.

    Prints each path as it is written and returns the exit code 0; bad input raises
    :class:`ReglabInputError` (before any file is written), which the main CLI reports on one
    line.
    """
    for path in write_figures(args.out, lang=args.lang, fmt=args.format, only=args.only):
        print(path, flush=True)
    return 0
