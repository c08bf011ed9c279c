"""WSGI middleware of the APIs: authentication, request context, faults."""
