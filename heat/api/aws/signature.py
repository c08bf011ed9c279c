"""Verification of AWS request signatures: Signature Version 4 and Version 2.

boto3 signs with Version 4, in the Authorization header or (presigned URLs) in the query
string; boto2 and heat-cfntools sign with Version 2 in the query parameters. Either way the
server recomputes the signature from the request and the secret of the access key, and
compares in constant time. The secret comes from a credential lookup (the local identity
store); in keystone mode the check is delegated to Keystone (heat.api.aws.ec2token).

Timestamps must be within MAX_SKEW (15 minutes, as AWS allows) of the server's clock, so a
captured request cannot be replayed later than that; presigned requests also honour their
own expiry.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime
import email.utils
import hashlib
import hmac
import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote, unquote

from heat.api.aws.errors import (
    IncompleteSignature,
    InvalidClientTokenId,
    MissingAuthenticationToken,
    RequestExpired,
    SignatureDoesNotMatch,
)

MAX_SKEW = 15 * 60
V4_ALGORITHM = "AWS4-HMAC-SHA256"
V4_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
V2_METHODS = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
_V4_QUERY_KEYS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders")
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600


class Credential(Protocol):
    """What a credential lookup returns for an access key (heat.identity's Ec2Credential)."""

    access_key: str
    secret: str
    project_id: str
    user_id: str
    roles: tuple


class CredentialLookup(Protocol):
    def ec2_credentials(self, access_key: str) -> Credential | None: ...


@dataclass
class SignedRequest:
    """The parts of an HTTP request a signature covers.

    `headers` maps lower-case names to values; `query` holds the decoded pairs of the URL's
    query string and `params` every request parameter (query and form body), by name.
    """

    method: str
    path: str
    headers: dict[str, str]
    query: list[tuple[str, str]]
    params: dict[str, str]
    body: bytes = b""
    _body_hash: str | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return self.headers.get("host", "")

    def body_hash(self) -> str:
        if self._body_hash is None:
            self._body_hash = hashlib.sha256(self.body).hexdigest()
        return self._body_hash


@dataclass(frozen=True)
class Signature:
    """What a request claims: who signed it, how, and what must hold for it to be valid."""

    version: int
    access_key: str
    signature: str
    string_to_sign: Callable[[str], list[bytes]] | None = None  # v2: host variants
    signing_key: Callable[[str], bytes] | None = None  # v4: secret -> key
    v4_strings_to_sign: tuple[bytes, ...] = ()


def _percent(value: str) -> str:
    return quote(value, safe="-_.~")


def _sign(key: bytes, message: str | bytes) -> bytes:
    if isinstance(message, str):
        message = message.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def _now_checks(stamp: float, now: float) -> None:
    if stamp < now - MAX_SKEW:
        raise SignatureDoesNotMatch(
            f"Signature expired: {_v4_time(stamp)} is now earlier than "
            f"{_v4_time(now - MAX_SKEW)} ({_v4_time(now)} - 15 min.)"
        )
    if stamp > now + MAX_SKEW:
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {_v4_time(stamp)} is still later than "
            f"{_v4_time(now + MAX_SKEW)} ({_v4_time(now)} + 15 min.)"
        )


def _v4_time(stamp: float) -> str:
    return time.strftime(V4_TIME_FORMAT, time.gmtime(stamp))


def _parse_v4_time(value: str) -> float | None:
    try:
        parsed = datetime.datetime.strptime(value, V4_TIME_FORMAT)
    except ValueError:
        return None
    return float(calendar.timegm(parsed.timetuple()))


def _parse_iso_time(value: str) -> float | None:
    """A SigV2 Timestamp or Expires: ISO 8601, as boto2 and botocore write it."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def _parse_http_date(value: str) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def canonical_path(path: str) -> str:
    """The canonical URI of SigV4 for services other than S3: normalised, then encoded."""
    if not path:
        return "/"
    normalised = posixpath.normpath(path)
    if normalised.startswith("//"):
        normalised = "/" + normalised.lstrip("/")
    if path.endswith("/") and normalised != "/":
        normalised += "/"
    return quote(normalised, safe="/~")


def canonical_query(pairs: list[tuple[str, str]], skip: str | None = None) -> str:
    encoded = sorted((_percent(k), _percent(v)) for k, v in pairs if k != skip)
    return "&".join(f"{k}={v}" for k, v in encoded)


class Verifier:
    """Checks SigV4 and SigV2 signatures against secrets from a credential lookup."""

    def __init__(
        self,
        lookup: CredentialLookup,
        service: str | None = "cloudformation",
        clock: Callable[[], float] = time.time,
        cache_seconds: float = 5.0,
    ):
        self.lookup = lookup
        self.service = service
        self.clock = clock
        # Found credentials are kept briefly: the lookup (a query and a decryption) costs
        # more than the rest of a request's checks. A deleted key works at most this long.
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Credential]] = {}

    def verify(self, request: SignedRequest) -> Credential:
        """The credential that signed `request`; an AwsError (403 mostly) if none did."""
        claim = self.parse(request)
        credential = self._credential(claim.access_key)
        if credential is None:
            raise InvalidClientTokenId()
        if not self.matches(claim, credential.secret):
            raise SignatureDoesNotMatch()
        return credential

    def parse(self, request: SignedRequest) -> Signature:
        """Read (and check the freshness of) the signature a request carries."""
        authorization = request.headers.get("authorization")
        if authorization is not None:
            return self._v4_header(request, authorization)
        if "X-Amz-Signature" in request.params or "X-Amz-Algorithm" in request.params:
            return self._v4_query(request)
        if "Signature" in request.params or "AWSAccessKeyId" in request.params:
            return self._v2(request)
        raise MissingAuthenticationToken()

    def _credential(self, access_key: str) -> Credential | None:
        now = time.monotonic()
        cached = self._cache.get(access_key)
        if cached is not None and cached[0] > now:
            return cached[1]
        credential = self.lookup.ec2_credentials(access_key)
        if credential is not None and self.cache_seconds > 0:
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[access_key] = (now + self.cache_seconds, credential)
        return credential

    @staticmethod
    def matches(claim: Signature, secret: str) -> bool:
        if claim.version == 4:
            key = claim.signing_key(secret)
            matched = False
            for message in claim.v4_strings_to_sign:
                expected = hmac.new(key, message, hashlib.sha256).hexdigest()
                matched |= hmac.compare_digest(expected.encode(), claim.signature.encode())
            return matched
        for digest, message in claim.string_to_sign(secret):
            candidate = hmac.new(secret.encode(), message, digest).digest()
            if _v2_equal(candidate, claim.signature):
                return True
        return False

    # -- Signature Version 4 --

    def _v4_header(self, request: SignedRequest, authorization: str) -> Signature:
        algorithm, _, rest = authorization.strip().partition(" ")
        if algorithm != V4_ALGORITHM:
            raise IncompleteSignature(
                f"Unsupported Authorization header algorithm {algorithm[:40]!r}: "
                f"only {V4_ALGORITHM} is accepted"
            )
        fields = {}
        for part in rest.split(","):
            name, sep, value = part.strip().partition("=")
            if sep:
                fields[name] = value
        missing = [n for n in ("Credential", "SignedHeaders", "Signature") if n not in fields]
        if missing:
            raise IncompleteSignature(
                f"Authorization header requires {', '.join(missing)} parameter(s). "
                f"Authorization={authorization[:200]}"
            )
        amz_date = request.headers.get("x-amz-date")
        if amz_date is not None:
            stamp = _parse_v4_time(amz_date)
        elif "date" in request.headers:
            stamp = _parse_http_date(request.headers["date"])
            amz_date = _v4_time(stamp) if stamp is not None else None
        else:
            stamp = None
        if stamp is None:
            raise IncompleteSignature(
                "Authorization header requires existence of either a 'X-Amz-Date' or a "
                "'Date' header."
            )
        _now_checks(stamp, self.clock())
        payload = request.headers.get("x-amz-content-sha256") or request.body_hash()
        return self._v4(
            request, fields, amz_date, [payload], request.query, fields["Signature"], skip=None
        )

    def _v4_query(self, request: SignedRequest) -> Signature:
        params = request.params
        missing = [k for k in (*_V4_QUERY_KEYS, "X-Amz-Signature") if not params.get(k)]
        if missing:
            raise IncompleteSignature(f"Presigned request requires {', '.join(missing)}")
        if params["X-Amz-Algorithm"] != V4_ALGORITHM:
            raise IncompleteSignature(f"X-Amz-Algorithm must be {V4_ALGORITHM}")
        amz_date = params["X-Amz-Date"]
        stamp = _parse_v4_time(amz_date)
        if stamp is None:
            raise IncompleteSignature("X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z'")
        now = self.clock()
        try:
            expires = int(params.get("X-Amz-Expires") or MAX_PRESIGN_EXPIRES)
        except ValueError:
            raise IncompleteSignature("X-Amz-Expires must be a number of seconds") from None
        if not 0 <= expires <= MAX_PRESIGN_EXPIRES:
            raise IncompleteSignature("X-Amz-Expires must be between 0 and 604800 seconds")
        if stamp > now + MAX_SKEW:
            _now_checks(stamp, now)
        if now > stamp + expires:
            raise RequestExpired()
        fields = {
            "Credential": params["X-Amz-Credential"],
            "SignedHeaders": params["X-Amz-SignedHeaders"],
        }
        # A presigned URL cannot know its body: botocore signs the hash of the (empty) body,
        # others UNSIGNED-PAYLOAD, which is accepted only when there is no body to cover.
        payloads = [request.headers.get("x-amz-content-sha256") or request.body_hash()]
        if not request.body:
            payloads.append(UNSIGNED_PAYLOAD)
        signature = params["X-Amz-Signature"]
        return self._v4(request, fields, amz_date, payloads, request.query, signature, skip=True)

    def _v4(self, request, fields, amz_date, payloads, query, signature, skip) -> Signature:
        scope = fields["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request" or not scope[0]:
            raise IncompleteSignature(
                "Credential must have the form <access key>/<date>/<region>/<service>/aws4_request"
            )
        access_key, date, region, service, _ = scope
        if date != amz_date[:8]:
            raise SignatureDoesNotMatch(
                f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                f"date from HTTP: '{date[:16]}' != '{amz_date[:8]}', from '{amz_date}'."
            )
        # service None: any scope (boto 2 derives it from the host name, e.g. "127").
        if self.service is not None and service != self.service:
            raise SignatureDoesNotMatch(
                f"Credential should be scoped to correct service: '{self.service}'."
            )
        signed = fields["SignedHeaders"].split(";")
        if "host" not in signed:
            raise SignatureDoesNotMatch("'Host' must be a 'SignedHeader' in the AWS Authorization.")
        headers = []
        for name in signed:
            if name not in request.headers:
                raise SignatureDoesNotMatch(f"Signed header {name[:64]!r} is not in the request")
            headers.append(f"{name}:{' '.join(request.headers[name].split())}\n")
        head = "\n".join(
            [
                request.method,
                canonical_path(request.path),
                canonical_query(query, skip="X-Amz-Signature" if skip else None),
                "".join(headers),
                fields["SignedHeaders"],
            ]
        )
        credential_scope = f"{date}/{region}/{service}/aws4_request"
        strings = tuple(
            "\n".join(
                [
                    V4_ALGORITHM,
                    amz_date,
                    credential_scope,
                    hashlib.sha256(f"{head}\n{payload}".encode()).hexdigest(),
                ]
            ).encode()
            for payload in payloads
        )

        def signing_key(secret: str) -> bytes:
            key = _sign(f"AWS4{secret}".encode(), date)
            for part in (region, service, "aws4_request"):
                key = _sign(key, part)
            return key

        return Signature(
            4, access_key, signature, signing_key=signing_key, v4_strings_to_sign=strings
        )

    # -- Signature Version 2 --

    def _v2(self, request: SignedRequest) -> Signature:
        params = request.params
        missing = [
            k for k in ("AWSAccessKeyId", "Signature", "SignatureMethod") if not params.get(k)
        ]
        if missing:
            raise IncompleteSignature(f"Request must contain {', '.join(missing)}")
        if params.get("SignatureVersion") != "2":
            raise IncompleteSignature("Only SignatureVersion 2 (and 4) are accepted")
        digest = V2_METHODS.get(params["SignatureMethod"])
        if digest is None:
            raise IncompleteSignature("SignatureMethod must be HmacSHA256 or HmacSHA1")
        now = self.clock()
        if params.get("Timestamp") and params.get("Expires"):
            raise IncompleteSignature("A request may not contain both Timestamp and Expires")
        if params.get("Timestamp"):
            stamp = _parse_iso_time(params["Timestamp"])
            if stamp is None:
                raise IncompleteSignature("Timestamp must be an ISO 8601 date and time")
            _now_checks(stamp, now)
        elif params.get("Expires"):
            expires = _parse_iso_time(params["Expires"])
            if expires is None:
                raise IncompleteSignature("Expires must be an ISO 8601 date and time")
            if now > expires:
                raise RequestExpired()
        else:
            raise IncompleteSignature("Request must contain either a Timestamp or Expires")
        query = canonical_query(list(params.items()), skip="Signature")
        path = quote(request.path or "/", safe="/~")
        hosts = _host_variants(request.host)

        def strings(secret: str):
            return [(digest, f"{request.method}\n{h}\n{path}\n{query}".encode()) for h in hosts]

        return Signature(2, params["AWSAccessKeyId"], params["Signature"], string_to_sign=strings)


def _host_variants(host: str) -> list[str]:
    """The Host header as signed: boto2 leaves a default port out, others keep any port."""
    host = host.lower()
    variants = [host]
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and "]" not in port:
        variants.append(name)
    return variants


def _v2_equal(digest: bytes, claimed: str) -> bool:
    try:
        given = base64.b64decode(claimed.encode(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(digest, given)


def request_from_environ(environ: dict, body: bytes, query, params) -> SignedRequest:
    """The SignedRequest of a WSGI request whose body and parameters are already read."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    if "host" not in headers:
        port = environ.get("SERVER_PORT", "")
        headers["host"] = f"{environ.get('SERVER_NAME', '')}:{port}" if port else ""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return SignedRequest(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path=path,
        headers=headers,
        query=query,
        params=params,
        body=body,
    )


def unquote_pairs(query_string: str) -> list[tuple[str, str]]:
    """Decoded pairs of a query string (form encoding: "+" is a space)."""
    pairs = []
    for part in query_string.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append(
            (
                unquote(key.replace("+", " "), errors="strict"),
                unquote(value.replace("+", " "), errors="strict"),
            )
        )
    return pairs
