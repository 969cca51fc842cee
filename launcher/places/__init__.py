"""Places and other names per locale, with the grammatical forms translations need.

Part of the content stage, between the facts (``--set region=...``) and rendering. One
``region`` string cannot serve nine languages: Ukrainian needs the locative ("у Закарпатській
області"), French the article and elision ("l'Émilie-Romagne"), Turkish the kind of place
and its case ending ("Kahramanmaraş ilinde"). The content repository's gazetteer
(``places.yaml``, :mod:`launcher.places.gazetteer`) gives, per place and per locale, its name
and forms; a fact typed in any script (or ``@id``) is matched to a place, and each locale's
posts get that locale's name. A translation asks for a form with ``%(region.in)s``
(:mod:`launcher.places.names`); a value the gazetteer does not know gets the locale's generic
frames. Platform names get their localized name and forms from the catalog the same way.
:mod:`launcher.places.check` is what ``launcher validate`` says about them.
"""

from .gazetteer import PLACES_FILE, Gazetteer, load_gazetteer, localize
from .names import FORMS, Named, expand_forms

__all__ = [
    "FORMS",
    "PLACES_FILE",
    "Gazetteer",
    "Named",
    "expand_forms",
    "load_gazetteer",
    "localize",
]
