"""OS::Heat::RandomString: a random secret string, e.g. for generated passwords."""

from __future__ import annotations

import secrets
import string

from heat.common.exception import InvalidInput
from heat.engine import attributes, properties
from heat.engine.resource import Resource

CLASSES = {
    "lettersdigits": string.ascii_letters + string.digits,
    "letters": string.ascii_letters,
    "lowercase": string.ascii_lowercase,
    "uppercase": string.ascii_uppercase,
    "digits": string.digits,
    "hexdigits": string.digits + "ABCDEF",
    "octdigits": string.octdigits,
}

_CLASS_ITEM = properties.Schema(
    properties.MAP,
    keys={
        "class": properties.Schema(
            properties.STRING, default="lettersdigits", allowed_values=tuple(CLASSES)
        ),
        "min": properties.Schema(properties.INTEGER, default=1, min=1, max=512),
    },
)
_SEQUENCE_ITEM = properties.Schema(
    properties.MAP,
    keys={
        "sequence": properties.Schema(properties.STRING, required=True, min=1),
        "min": properties.Schema(properties.INTEGER, default=1, min=1, max=512),
    },
)


class RandomString(Resource):
    """A string of `length` random characters drawn with the secrets module.

    The value is a secret: it is kept encrypted and given only through Ref and the `value`
    attribute. Any property change (e.g. a new `salt`) generates a new string.
    """

    type_name = "OS::Heat::RandomString"
    description = "Generates a random string (kept secret) from the given character classes."
    properties_schema = {
        "length": properties.Schema(properties.INTEGER, default=32, min=1, max=512),
        "character_classes": properties.Schema(properties.LIST, item=_CLASS_ITEM),
        "character_sequences": properties.Schema(properties.LIST, item=_SEQUENCE_ITEM),
        "salt": properties.Schema(properties.STRING, description="Change it to regenerate."),
    }
    attributes_schema = {
        "value": attributes.Attribute("The random string.", secret=True),
    }

    def handle_create(self):
        self.secrets["value"] = generate(
            self.properties["length"],
            self.properties["character_classes"] or [],
            self.properties["character_sequences"] or [],
        )

    def reference_id(self):
        return self.secrets.get("value") or self.name

    def resolve_attribute(self, name):
        return self.secrets.get("value")


def generate(length: int, classes: list[dict], sequences: list[dict]) -> str:
    """A random string meeting every class's and sequence's minimum, shuffled."""
    pools = [(CLASSES[c.get("class") or "lettersdigits"], c.get("min") or 1) for c in classes]
    pools += [(s["sequence"], s.get("min") or 1) for s in sequences]
    if not pools:
        pools = [(CLASSES["lettersdigits"], 0)]
    required = sum(minimum for _, minimum in pools)
    if required > length:
        raise InvalidInput(
            f"length {length} is shorter than the {required} characters the minimums require"
        )
    chars = [secrets.choice(pool) for pool, minimum in pools for _ in range(minimum)]
    alphabet = "".join(sorted(set("".join(pool for pool, _ in pools))))
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


RESOURCE_TYPES = (RandomString,)
