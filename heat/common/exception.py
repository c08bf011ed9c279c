"""The one exception hierarchy of Heat.

Every error a user can cause or meet is a HeatError subclass. The class carries the HTTP
status and the AWS error code, so the APIs map an exception to a response by its class and
never by parsing its name or message. Anything that is not a HeatError (a ValueError from a
bug, say) is an internal error: a 500 that hides the details from the caller.
"""


class HeatError(Exception):
    """Base of all errors Heat reports to its users."""

    status = 500
    code = "InternalFailure"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(HeatError):
    """The request or template is wrong; nothing was changed."""

    status = 400
    code = "ValidationError"


class TemplateError(InvalidInput):
    """A template failed validation; carries every finding, not just the first."""

    def __init__(self, findings):
        self.findings = list(findings)
        super().__init__("\n".join(str(f) for f in self.findings))


class NotSupported(InvalidInput):
    """A well-formed request for something this Heat does not do."""


class NotFound(HeatError):
    status = 404
    code = "NotFound"


class StackNotFound(NotFound):
    # AWS answers an unknown stack with a 400 ValidationError, not a 404.
    status = 400
    code = "ValidationError"

    def __init__(self, name_or_id: str):
        super().__init__(f"Stack with id {name_or_id} does not exist")
        self.name_or_id = name_or_id


class ResourceNotFound(NotFound):
    def __init__(self, stack: str, resource: str):
        super().__init__(f"Resource {resource} does not exist in stack {stack}")


class Forbidden(HeatError):
    status = 403
    code = "AccessDenied"


class AuthenticationFailed(HeatError):
    status = 401
    code = "AuthFailure"


class Conflict(HeatError):
    """The request is valid but the target is in a state that does not allow it."""

    status = 409
    code = "Conflict"


class StackExists(Conflict):
    code = "AlreadyExistsException"

    def __init__(self, stack_name: str):
        super().__init__(f"Stack [{stack_name}] already exists")


class ChangeSetNotFound(NotFound):
    code = "ChangeSetNotFound"

    def __init__(self, name_or_id: str):
        super().__init__(f"ChangeSet [{name_or_id}] does not exist")


class ChangeSetExists(Conflict):
    code = "AlreadyExistsException"

    def __init__(self, name: str):
        super().__init__(f"ChangeSet [{name}] already exists")
        self.name = name


class InvalidChangeSetStatus(Conflict):
    """The change set cannot be executed or deleted in its (or its stack's) current state."""

    # AWS answers it as a 400, like every state error of the CloudFormation API.
    status = 400
    code = "InvalidChangeSetStatus"


class StackInProgress(Conflict):
    def __init__(self, stack_name: str, action: str):
        super().__init__(f"Stack {stack_name} already has an action ({action}) in progress.")


class CloudError(HeatError):
    """A cloud service (Nova, Glance, ...) refused or failed a request."""

    status = 502
    code = "ServiceUnavailable"


class ResourceFailure(HeatError):
    """A resource action failed; carries the resource and the underlying cause."""

    def __init__(self, resource_name: str, action: str, cause: BaseException):
        self.resource_name = resource_name
        self.action = action
        self.cause = cause
        detail = (
            cause.message if isinstance(cause, HeatError) else f"{type(cause).__name__}: {cause}"
        )
        super().__init__(f"{resource_name}: {action} failed: {detail}")
