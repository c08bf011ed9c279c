"""The OpenStack-native REST API (heat-api)."""
