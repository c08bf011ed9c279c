"""localcloud's identity when it runs alone: Heat's identity store on a database of its own.

    identity = open_identity(state_dir, settings)   # a LocalcloudIdentity
    KeystoneApp(identity.store, catalog)             # what /identity serves
    identity.store.engine.dispose()                  # when localcloud stops

The database is `<state_dir>/identity.sqlite` (Heat's schema, migrated on open; EC2 secrets
encrypted with a key kept beside it). It is seeded on every open with the cloud's fixed
identities: projects demo and admin, user demo (member and reader on demo) and user admin
(admin, member and reader on both), with the passwords the settings give; a changed password
replaces the stored one. heat-all does not use this: there localcloud shares Heat's store,
so one login works for Heat and the cloud.
"""

from __future__ import annotations

import os
import uuid

from heat.common import crypt
from heat.db import migration, session
from heat.identity.localcloud import LocalcloudIdentity
from heat.identity.store import ADMIN, MEMBER, READER, IdentityStore, Project
from heat.localcloud.settings import Settings

DB_FILE = "identity.sqlite"
# The seeded ids derive from the names, as localcloud's always have: a state directory whose
# identity database is new (or was written by an older localcloud) keeps its servers' owners.
_NAMESPACE = uuid.UUID("9a5cf2b4-7d1e-4d0c-8a31-6b657973746e")
ALL_ROLES = (ADMIN, MEMBER, READER)


def seeded_id(kind: str, name: str) -> str:
    """The id of the seeded project or user `name` (`kind` "project" or "user")."""
    return uuid.uuid5(_NAMESPACE, f"{kind}/{name}").hex


def open_identity(state_dir: str, settings: Settings) -> LocalcloudIdentity:
    """localcloud's identity in `state_dir`, migrated and seeded."""
    engine = session.make_engine(f"sqlite:///{os.path.join(state_dir, DB_FILE)}")
    try:
        migration.db_sync(engine)
        store = IdentityStore(engine, crypt.Crypter(crypt.load_or_create_key(state_dir)))
        admin_project = seed(store, settings)
    except BaseException:
        engine.dispose()
        raise
    return LocalcloudIdentity(store, admin_project.id)


def seed(store: IdentityStore, settings: Settings) -> Project:
    """Create what is missing of the fixed identities, set their passwords; the admin project."""
    demo, admin = _project(store, "demo"), _project(store, "admin")
    users = (
        ("demo", settings.password, demo, {demo: (MEMBER, READER)}),
        ("admin", settings.admin_password, admin, {admin: ALL_ROLES, demo: ALL_ROLES}),
    )
    for name, password, default_project, roles in users:
        user = store.find_user(name)
        if user is None:
            user = store.create_user(
                name, password, default_project.id, user_id=seeded_id("user", name)
            )
        elif store.authenticate(password, user_id=user.id) is None:
            store.set_password(user.id, password)
        for project, project_roles in roles.items():
            for role in project_roles:
                store.grant(user.id, project.id, role)
    return admin


def _project(store: IdentityStore, name: str) -> Project:
    return store.find_project(name) or store.create_project(
        name, f"localcloud project {name}", project_id=seeded_id("project", name)
    )
