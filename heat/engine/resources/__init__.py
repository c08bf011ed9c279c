"""The registry of resource types.

Registration is explicit: PLUGIN_MODULES lists every module that provides resource types,
and each such module lists its classes in `RESOURCE_TYPES`. A type name registered twice is
an error, so two plugins can never silently fight over one name.
"""

from __future__ import annotations

import difflib
import functools
import importlib

from heat.engine import attributes

PLUGIN_MODULES = (
    "heat.engine.resources.aws.autoscaling.auto_scaling_group",
    "heat.engine.resources.aws.autoscaling.launch_config",
    "heat.engine.resources.aws.autoscaling.scaling_policy",
    "heat.engine.resources.aws.cloudformation.nested_stack",
    "heat.engine.resources.aws.cloudformation.wait_condition",
    "heat.engine.resources.aws.cloudwatch.alarm",
    "heat.engine.resources.aws.ec2.eip",
    "heat.engine.resources.aws.ec2.instance",
    "heat.engine.resources.aws.ec2.security_group",
    "heat.engine.resources.aws.ec2.volume",
    "heat.engine.resources.aws.elb.load_balancer",
    "heat.engine.resources.aws.iam.user",
    "heat.engine.resources.aws.rds.db_instance",
    "heat.engine.resources.openstack.heat.access_policy",
    "heat.engine.resources.openstack.heat.ha_restarter",
    "heat.engine.resources.openstack.heat.instance_group",
    "heat.engine.resources.openstack.heat.none_resource",
    "heat.engine.resources.openstack.heat.random_string",
    "heat.engine.resources.openstack.heat.test_resource",
    "heat.engine.resources.openstack.nova.server",
)


class Registry:
    """Resource type name -> plugin class."""

    def __init__(self):
        self._types: dict[str, type] = {}

    def register(self, plugin: type) -> None:
        name = plugin.type_name
        if not name:
            raise ValueError(f"{plugin.__name__} declares no type_name")
        if name in self._types:
            raise ValueError(f"resource type {name} is registered twice")
        self._types[name] = plugin

    def get(self, type_name: str):
        return self._types.get(type_name)

    def __contains__(self, type_name) -> bool:
        return type_name in self._types

    def names(self) -> list[str]:
        return sorted(self._types)

    def unknown_type_message(self, type_name: str) -> str:
        close = difflib.get_close_matches(type_name, self._types, n=1, cutoff=0.7)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return f'unsupported resource type "{type_name}"{hint}'

    def attribute_problem(self, type_name: str, name: str) -> str | None:
        plugin = self._types.get(type_name)
        if plugin is None:
            return None  # the unknown type is reported once, at its Type
        return attributes.problem(type_name, plugin.attributes_schema, name)


@functools.cache
def default_registry() -> Registry:
    """The registry of every built-in resource type (built once)."""
    registry = Registry()
    for module_name in PLUGIN_MODULES:
        for plugin in importlib.import_module(module_name).RESOURCE_TYPES:
            registry.register(plugin)
    return registry
