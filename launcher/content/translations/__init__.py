"""The translators' workflow: extract, update, compile, status, add.

Babel does the gettext work (extraction, merging, compiling, plural tables); this module adds
what a crisis tool needs around it: extraction that fails loudly on a broken template, with
the Jinja options the runtime uses; writes that only touch a file when its content changed
(no churn in the history); and a status that answers the question translators are asked on
the day: can this playbook be launched in this language, and if not, which sentences are
missing, and where are they used?
"""

from .catalogs import (
    CompileResult,
    UpdateResult,
    add_locale,
    babel_checks,
    compile_catalogs,
    update_catalogs,
)
from .common import MAPPING_FILE, TEMPLATE_FILE, locales_of
from .extraction import ExtractResult, Mapping, extract, extract_to_template, load_mapping
from .readiness import Entry, LocaleStatus, Status, status

__all__ = [
    "MAPPING_FILE",
    "TEMPLATE_FILE",
    "CompileResult",
    "Entry",
    "ExtractResult",
    "LocaleStatus",
    "Mapping",
    "Status",
    "UpdateResult",
    "add_locale",
    "babel_checks",
    "compile_catalogs",
    "extract",
    "extract_to_template",
    "load_mapping",
    "locales_of",
    "status",
    "update_catalogs",
]
