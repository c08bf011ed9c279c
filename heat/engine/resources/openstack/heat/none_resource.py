"""OS::Heat::None: a resource that does nothing, for composing and testing templates."""

from heat.engine.resource import Resource


class NoneResource(Resource):
    """Accepts any properties and creates nothing; Ref gives its logical name."""

    type_name = "OS::Heat::None"
    description = "A placeholder that creates nothing; accepts any properties."

    # Any property is accepted: the check below is skipped for this type.
    accepts_any_properties = True


RESOURCE_TYPES = (NoneResource,)
