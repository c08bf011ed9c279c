from heat_tests.fixtures.localcloud import localcloud, localcloud_session  # noqa: F401
