"""The fonts embedded in the PDFs: a subset of each TrueType (Type 42) font a document uses, with
the glyphs and tables a PDF reader draws from, and no more.

matplotlib subsets each font of a document with fontTools and keeps its OpenType layout tables
(GSUB, GPOS, GDEF). A PDF reader never uses them: a page names each glyph by its id and gives its
position, and matplotlib has already kerned the text while laying it out. Closing the glyph set
over DejaVu's large layout tables is most of the subsetting time. `lean_subsets()` has matplotlib
embed `subset_font`'s subsets while a document is written; the pages are the same, pixel for pixel.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fontTools import subset
from fontTools.ttLib import TTFont
from matplotlib.backends import _backend_pdf_ps

log = logging.getLogger(__name__)

LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")
"""OpenType layout, for shaping text: a PDF reader does not shape text."""

UNREAD_TABLES = ("FFTM", "PfEd", "BDF", "meta", *LAYOUT_TABLES)
"""Left out of every embedded subset: font-editor stamps, bitmap headers, metadata and layout."""


def subset_font(fontfile: str, characters: str) -> TTFont:
    """The font at `fontfile` cut down to `characters` (with their glyph names and the glyphs a
    font always needs), without the tables in `UNREAD_TABLES`. The caller closes it."""
    options = subset.Options(glyph_names=True, recommended_glyphs=True)
    options.drop_tables += list(UNREAD_TABLES)
    if fontfile.endswith(".ttc"):
        options.font_number = 0
    font = subset.load_font(fontfile, options)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    return font


@contextmanager
def lean_subsets() -> Iterator[None]:
    """While inside, matplotlib's PDF backend embeds the subsets `subset_font` cuts. A process
    renders one document at a time (`render_all` shares documents out to processes, not threads):
    no lock, which would also keep the module from being pickled for a served run. Should a later
    matplotlib no longer subset through `_backend_pdf_ps.get_glyphs_subset`, documents are written
    as it writes them."""
    original = getattr(_backend_pdf_ps, "get_glyphs_subset", None)
    if original is None:
        log.debug("matplotlib has no get_glyphs_subset; fonts are embedded as it subsets them")
        yield
        return
    _backend_pdf_ps.get_glyphs_subset = subset_font
    try:
        yield
    finally:
        _backend_pdf_ps.get_glyphs_subset = original
