"""Scale-out tests: several heat-engine processes on RabbitMQ and PostgreSQL/MariaDB.

Select them with `-m scaleout` (or leave them out with `-m "not scaleout"`).
"""

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "scaleout: several engine processes on RabbitMQ and a database server"
    )


def pytest_collection_modifyitems(items):
    for item in items:
        if "heat_tests/scaleout/" in str(item.fspath):
            item.add_marker(pytest.mark.scaleout)
