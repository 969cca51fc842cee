"""People, their keys and roles: who may do what, proven by a signature rather than a name.

Where it sits in the flow: in front of every action a person takes on a launch (run, approve,
reject, halt, resume, retry, retract, an emergency override) and on content (approve content).
The people are declared in the content repository (``people.yaml``: :mod:`.registry`); a
person acts with their Ed25519 key (``LAUNCHER_KEY=file:...``: :mod:`.keys`), which makes them
a verified :class:`~.identity.Actor`; :mod:`.roles` says which role each action needs and
enforces four eyes between *verified people*; :mod:`.actions` are the decisions themselves
(approve, reject, halt), shared by the CLI and the web console, so both obey the same rules.
The audit chain (:mod:`launcher.audit`) records each verified person's signature. A content
root without ``people.yaml`` keeps working by names, as before.
"""

from .registry import PEOPLE_FILE, ROLES, People, Person, PersonKey, key_id_of, load_people

__all__ = ["PEOPLE_FILE", "ROLES", "People", "Person", "PersonKey", "key_id_of", "load_people"]
