"""Validation against the cloud: do the objects a template names exist?

Static validation knows that `KeyName` is an AWS::EC2::KeyPair::KeyName; only the cloud
knows whether the keypair "nope" exists. Two things are checked, each answer cached for
the run so that fifty servers naming one image cost one lookup:

- the values of parameters of the AWS-specific types (ParameterSchema.cloud_check);
- the properties a resource type declares in `cloud_properties` ({property: kind}), where
  the value can be computed before any resource exists (literals, parameters, mappings).

Security groups are looked up in Neutron. Networks, subnets, volumes and DNS zones are not
checked here yet; creating the resource reports them. Findings carry the path of the
parameter or property, as static ones do.
"""

from __future__ import annotations

from heat.common.exception import TemplateError
from heat.engine import functions
from heat.engine.clients.errors import AmbiguousName, CloudNotFound
from heat.engine.findings import Finding, sort_key

CODE = "unknown-cloud-object"

_NOUNS = {
    "availability_zone": "availability zone",
    "flavor": "flavor",
    "image": "image",
    "keypair": "keypair",
    "security_group": "security group",
    "server": "server",
}


class CloudChecker:
    """Answers "does this <kind> exist?" against one cloud, remembering every answer.

    `nova` is a NovaClient; `neutron` a callable giving a NeutronClient (made only when a
    security group is checked).
    """

    def __init__(self, nova, neutron=None):
        self.nova = nova
        self.neutron = neutron
        self._answers: dict[tuple[str, str], str | None] = {}
        self._zones: list[str] | None = None

    def checks(self, kind: str) -> bool:
        return kind in _NOUNS and (kind != "security_group" or self.neutron is not None)

    def problem(self, kind: str, value: str) -> str | None:
        """None if the object exists, else what is wrong with it."""
        key = (kind, value)
        if key not in self._answers:
            self._answers[key] = self._ask(kind, value)
        return self._answers[key]

    def _ask(self, kind: str, value: str) -> str | None:
        missing = f'{_NOUNS[kind]} "{value}" does not exist'
        if kind == "availability_zone":
            if self._zones is None:
                self._zones = self.nova.availability_zones()
            if value in self._zones:
                return None
            return f"{missing} (available: {', '.join(self._zones) or 'none'})"
        if kind == "keypair":
            return None if self.nova.keypair_exists(value) else missing
        lookup = {
            "image": self.nova.find_image,
            "flavor": self.nova.find_flavor,
            "server": self.nova.server_status,
            "security_group": lambda name: self.neutron().find_security_group(name),
        }[kind]
        try:
            lookup(value)
        except CloudNotFound:
            return missing
        except AmbiguousName as exc:
            return exc.message
        return None


def _values(value) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if isinstance(v, str | int | float) and str(v) != ""]


def check(definition, nova, registry, neutron=None) -> list[Finding]:
    """Findings for parameter values and resource properties that name missing objects."""
    checker = CloudChecker(nova, neutron)
    findings: list[Finding] = []
    reported: set[tuple[str, str]] = set()
    parameters = definition.parameters
    for name, schema in parameters.schemas.items():
        if not schema.cloud_check or not checker.checks(schema.cloud_check):
            continue
        try:
            value = parameters.ref(name)
        except KeyError:
            continue  # no value: reported by static validation, or validating without one
        for item in _values(value):
            problem = checker.problem(schema.cloud_check, item)
            if problem:
                reported.add((schema.cloud_check, item))
                findings.append(Finding(CODE, ("Parameters", name), problem))
    for resource, rdef in definition.resources.items():
        plugin = registry.get(rdef.type)
        wanted = getattr(plugin, "cloud_properties", None)
        if not wanted or not isinstance(rdef.properties, dict) or not _active(definition, rdef):
            continue
        for prop, kind in wanted.items():
            if prop not in rdef.properties:
                continue
            try:
                value = functions.resolve(rdef.properties[prop], definition.scope)
            except Exception:  # needs a resource, or a value static validation rejects
                continue
            for item in _values(value):
                if not checker.checks(kind) or (kind, item) in reported:
                    continue  # the parameter it came from says so already
                problem = checker.problem(kind, item)
                if problem:
                    path = ("Resources", resource, "Properties", prop)
                    findings.append(Finding(CODE, path, problem))
    return findings


def _active(definition, rdef) -> bool:
    if rdef.condition is None:
        return True
    try:
        return bool(definition.scope.condition(rdef.condition))
    except Exception:  # conditions that cannot be evaluated yet: static validation reports
        return False


def raise_if_invalid(definition, clients, registry) -> None:
    """Raise TemplateError with the static findings and, when the engine has a cloud, the
    cloud's, all together."""
    findings = list(definition.findings)
    if clients is not None and clients.credentials is not None:
        found = check(definition, clients.nova(), registry, clients.neutron)
        findings += definition.template.locate(found)
    if findings:
        raise TemplateError(sorted(findings, key=sort_key))
