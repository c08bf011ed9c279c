"""The cloud clients a stack's resources use, built lazily from one set of credentials."""

from __future__ import annotations

import threading

from heat.common.exception import InvalidInput
from heat.engine.clients.cinder import CinderClient
from heat.engine.clients.neutron import NeutronClient
from heat.engine.clients.nova import NovaClient
from heat.engine.clients.session import CloudCredentials, make_session


class Clients:
    """One keystoneauth1 session and the service clients on it, each made on first use.

    Shared by every resource of a stack (and, until per-request credentials arrive with the
    APIs, by every stack of an engine): the session and the clients are thread-safe.
    """

    def __init__(self, credentials: CloudCredentials | None):
        self.credentials = credentials
        self._lock = threading.Lock()
        self._session = None
        self._nova = None
        self._neutron = None
        self._cinder = None

    def session(self):
        if self.credentials is None:
            raise InvalidInput("no cloud is configured for this engine")
        with self._lock:
            if self._session is None:
                self._session = make_session(self.credentials)
            return self._session

    def nova(self) -> NovaClient:
        session = self.session()
        with self._lock:
            if self._nova is None:
                self._nova = NovaClient(
                    session,
                    region_name=self.credentials.region_name,
                    interface=self.credentials.interface,
                )
            return self._nova

    def neutron(self) -> NeutronClient:
        session = self.session()
        with self._lock:
            if self._neutron is None:
                self._neutron = NeutronClient(
                    session,
                    region_name=self.credentials.region_name,
                    interface=self.credentials.interface,
                )
            return self._neutron

    def cinder(self) -> CinderClient:
        session = self.session()
        with self._lock:
            if self._cinder is None:
                self._cinder = CinderClient(
                    session,
                    region_name=self.credentials.region_name,
                    interface=self.credentials.interface,
                )
            return self._cinder
