"""AWS Query API errors: exceptions that know their AWS code and HTTP status.

An AwsError renders as the document botocore and boto2 parse:

    <ErrorResponse xmlns="...">
      <Error><Type>Sender</Type><Code>ValidationError</Code><Message>...</Message></Error>
      <RequestId>...</RequestId>
    </ErrorResponse>

Heat's own errors (heat.common.exception) are mapped by class in `from_heat_error`.
"""

from __future__ import annotations

from heat.api.aws import xml
from heat.common import exception


class AwsError(Exception):
    """An error answer of an AWS Query API.

    A subclass names its AWS code and HTTP status, and the message AWS gives when there is
    nothing more to say (the default when raised without one).
    """

    code = "InternalFailure"
    status = 500
    message = "An internal error occurred."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, status: int | None = None
    ):
        if message is not None:
            self.message = message
        super().__init__(self.message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    @property
    def type(self) -> str:
        return "Sender" if self.status < 500 else "Receiver"

    def document(self, request_id: str, namespace: str) -> bytes:
        error = {"Type": self.type, "Code": self.code, "Message": self.message}
        body = xml.element("Error", error) + xml.element("RequestId", request_id)
        return xml.document("ErrorResponse", body, namespace)


class ValidationError(AwsError):
    code = "ValidationError"
    status = 400


class AlreadyExists(AwsError):
    code = "AlreadyExistsException"
    status = 400


class InvalidAction(AwsError):
    code = "InvalidAction"
    status = 400


class MissingAction(AwsError):
    code = "MissingAction"
    status = 400


class MalformedQueryString(AwsError):
    code = "MalformedQueryString"
    status = 400


class ChangeSetNotFound(AwsError):
    code = "ChangeSetNotFound"
    status = 404


class InvalidChangeSetStatus(AwsError):
    code = "InvalidChangeSetStatus"
    status = 400


class AccessDenied(AwsError):
    code = "AccessDenied"
    status = 403


class MissingAuthenticationToken(AwsError):
    code = "MissingAuthenticationToken"
    status = 403
    message = "Request is missing Authentication Token"


class InvalidClientTokenId(AwsError):
    code = "InvalidClientTokenId"
    status = 403
    message = "The security token included in the request is invalid."


class SignatureDoesNotMatch(AwsError):
    code = "SignatureDoesNotMatch"
    status = 403
    message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


class IncompleteSignature(AwsError):
    code = "IncompleteSignature"
    status = 400


class RequestExpired(AwsError):
    code = "RequestExpired"
    status = 400
    message = "Request has expired."


class NotImplementedAction(AwsError):
    code = "NotImplemented"
    status = 501


class RequestTooLarge(AwsError):
    code = "RequestEntityTooLarge"
    status = 413


class MethodNotAllowed(AwsError):
    code = "MethodNotAllowed"
    status = 405


class ServiceUnavailable(AwsError):
    code = "ServiceUnavailable"
    status = 503


class InternalFailure(AwsError):
    """The answer to a bug: AwsError's defaults, which tell the caller nothing."""


def from_heat_error(error: exception.HeatError) -> AwsError:
    """The AWS answer to one of Heat's errors, chosen by the error's class.

    AWS reports what Heat calls "not found" and "in the wrong state" as a 400
    ValidationError (an unknown stack, a stack busy with another action), so these are
    mapped here rather than by the status the class carries for the native API.
    """
    if isinstance(error, (exception.StackExists, exception.ChangeSetExists)):
        return AlreadyExists(error.message)
    if isinstance(error, exception.ChangeSetNotFound):
        return ChangeSetNotFound(error.message)
    if isinstance(error, exception.InvalidChangeSetStatus):
        return InvalidChangeSetStatus(error.message)
    if isinstance(error, (exception.InvalidInput, exception.NotFound, exception.Conflict)):
        return ValidationError(error.message)
    if isinstance(error, exception.Forbidden):
        return AccessDenied(error.message)
    if isinstance(error, exception.AuthenticationFailed):
        return InvalidClientTokenId()
    if isinstance(error, exception.CloudError):
        return ServiceUnavailable(error.message)
    if error.status < 500:
        return AwsError(error.message, code=error.code, status=error.status)
    return InternalFailure()
