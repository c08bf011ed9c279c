"""The native REST API, version 1: /v1/{project_id}/..."""
