#!/usr/bin/env python3
"""Generate SigV4 known-answer vectors for lambda-url-signer with botocore.

botocore (the AWS SDK for Python's signing core) is the reference
implementation.  The crate rewrites every outgoing URL into a canonical
"wire form" before signing it, so what goes on the wire is exactly what was
signed.  botocore's ``SigV4Auth`` treats a URL's raw query as already
canonically encoded (it only splits on ``&``/``=`` and sorts) and computes the
canonical path as ``quote(remove_dot_segments(path), safe='/~')``; feeding it
the wire form therefore yields the reference canonical request for what the
crate sends.  The wire-form rewriting is specified (and implemented) here,
independently of ``urllib.parse``.

Usage:
    python3 scripts/gen_vectors.py           # (re)write tests/data/*.json
    python3 scripts/gen_vectors.py --check   # exit 1 if the committed files differ

Outputs:
    tests/data/vectors.json         hand-written cases + presigned URLs + get_vanilla
    tests/data/random_vectors.json  500 random cases, random.Random(20251124)
"""

import argparse
import datetime
import hashlib
import hmac
import json
import random
import re
import sys
from pathlib import Path
from unittest import mock

import botocore
import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REPO_ROOT = Path(__file__).resolve().parent.parent
VECTORS_PATH = REPO_ROOT / "tests" / "data" / "vectors.json"
RANDOM_VECTORS_PATH = REPO_ROOT / "tests" / "data" / "random_vectors.json"
GENERATOR = "scripts/gen_vectors.py"

RANDOM_SEED = 20251124
RANDOM_CASE_COUNT = 500

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ARTICLE_BODY = b'{\n    "test": "message"\n}'
ARTICLE_BODY_SHA256 = "7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62"

# ---------------------------------------------------------------------------
# Wire form (the specification the crate implements)
# ---------------------------------------------------------------------------

UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
)
HEXDIGITS = frozenset(b"0123456789abcdefABCDEF")


def _pct(byte):
    return "%%%02X" % byte


def _is_escape(data, i):
    """True if data[i:i+3] is '%' followed by two hex digits."""
    return (
        data[i] == 0x25
        and i + 2 < len(data)
        and data[i + 1] in HEXDIGITS
        and data[i + 2] in HEXDIGITS
    )


def encode_path_segment(segment):
    """Encode one raw path segment (UTF-8 bytes).

    Unreserved bytes stay, an existing %XX escape stays (hex uppercased),
    every other byte becomes %XX.
    """
    data = segment.encode("utf-8")
    out = []
    i = 0
    while i < len(data):
        b = data[i]
        if b in UNRESERVED:
            out.append(chr(b))
            i += 1
        elif _is_escape(data, i):
            out.append("%" + data[i + 1 : i + 3].decode("ascii").upper())
            i += 3
        else:
            out.append(_pct(b))
            i += 1
    return "".join(out)


def wire_path(path):
    """Raw URL path -> wire path.

    Dot segments and empty segments are removed on the raw segments (before
    encoding, so an escaped dot such as %2E is not a dot segment), then every
    segment is encoded with encode_path_segment.
    """
    out = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    result = "/" + "/".join(encode_path_segment(s) for s in out)
    if path.endswith("/") and out:
        result += "/"
    return result


def percent_decode(text):
    """Decode %XX escapes to bytes; a '%' without two hex digits and '+' stay literal."""
    data = text.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(data):
        if _is_escape(data, i):
            out.append(int(data[i + 1 : i + 3].decode("ascii"), 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def decode_query_component(text):
    """A query name or value: a raw '+' is a space (form encoding), then %XX escapes decode."""
    return percent_decode(text.replace("+", " "))


def encode_query_component(data):
    """Bytes -> unreserved bytes verbatim, every other byte %XX (uppercase)."""
    return "".join(chr(b) if b in UNRESERVED else _pct(b) for b in data)


class InvalidQuery(ValueError):
    pass


def wire_query(query):
    """Raw query (after '?') -> wire query (original order, always name=value)."""
    pieces = []
    for piece in query.split("&"):
        if piece == "":
            continue
        name, _, value = piece.partition("=")
        parts = []
        for component in (name, value):
            decoded = decode_query_component(component)
            try:
                decoded.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidQuery(f"query component {component!r} is not UTF-8") from exc
            parts.append(encode_query_component(decoded))
        pieces.append(parts[0] + "=" + parts[1])
    return "&".join(pieces)


def split_url(url):
    """Split a URL as the user gives it into (scheme, authority, raw path, raw query).

    The authority ends at the first '/' or '?', the path at the first '?'.
    No fragments are used in the vectors.
    """
    scheme, sep, rest = url.partition("://")
    assert sep, url
    assert "#" not in rest, url
    end = len(rest)
    for ch in "/?":
        pos = rest.find(ch)
        if pos != -1:
            end = min(end, pos)
    authority, remainder = rest[:end], rest[end:]
    path, _, query = remainder.partition("?")
    return scheme.lower(), authority, path, query


def host_header(scheme, authority):
    """Host as signed: lowercase, default port (http 80 / https 443) dropped."""
    host = authority.lower()
    if ":" in host:
        name, port = host.rsplit(":", 1)
        if (scheme, port) in (("http", "80"), ("https", "443")):
            host = name
    return host


def wire_path_and_query(url):
    _, _, path, query = split_url(url)
    wp = wire_path(path)
    wq = wire_query(query)
    return wp + ("?" + wq if wq else "")


EXCLUDED_HEADERS = frozenset(
    [
        "authorization",
        "user-agent",
        "x-amzn-trace-id",
        "transfer-encoding",
        "content-length",
        "expect",
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "via",
        "forwarded",
    ]
)
EXCLUDED_PREFIXES = ("x-forwarded-", "cf-")


def is_excluded_header(name):
    lname = name.lower()
    return lname in EXCLUDED_HEADERS or lname.startswith(EXCLUDED_PREFIXES)


# Headers the crate sets itself; user headers must not collide with them.
RESERVED_USER_HEADERS = frozenset(
    ["host", "date", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"]
)

# ---------------------------------------------------------------------------
# Independent cross-checks of what botocore produced
# ---------------------------------------------------------------------------


def expected_canonical_uri(wp):
    # The wire path only holds unreserved bytes, '/' and %XX escapes, so
    # quote(path, safe='/~') just escapes the '%'.
    return wp.replace("%", "%25")


def expected_canonical_query(wq):
    if not wq:
        return ""
    pairs = [piece.partition("=")[::2] for piece in wq.split("&")]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def independent_signature(secret, date, region, service, string_to_sign):
    k = hmac_sha256(("AWS4" + secret).encode("utf-8"), date)
    k = hmac_sha256(k, region)
    k = hmac_sha256(k, service)
    k = hmac_sha256(k, "aws4_request")
    return hmac.new(k, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------
# botocore signing
# ---------------------------------------------------------------------------


class _Capture:
    """Records the canonical request, string to sign and signature."""

    def string_to_sign(self, request, canonical_request):
        sts = super().string_to_sign(request, canonical_request)
        self.captured_canonical_request = canonical_request
        self.captured_string_to_sign = sts
        return sts

    def signature(self, string_to_sign, request):
        sig = super().signature(string_to_sign, request)
        self.captured_signature = sig
        return sig


class CapturingSigV4Auth(_Capture, SigV4Auth):
    pass


class BodyHashSigV4QueryAuth(_Capture, SigV4QueryAuth):
    """Presigning with the real body hash: Lambda never accepts UNSIGNED-PAYLOAD."""

    def __init__(self, credentials, service_name, region_name, expires, body):
        super().__init__(credentials, service_name, region_name, expires=expires)
        self._body = body

    def payload(self, request):
        return hashlib.sha256(self._body).hexdigest()


def parse_time(stamp):
    return datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")


def run_signer(signer, request, stamp):
    when = parse_time(stamp)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: when):
        signer.add_auth(request)
    assert request.context["timestamp"] == stamp


def _check_common(rec, signer, wp, wq):
    cr = signer.captured_canonical_request
    sts = signer.captured_string_to_sign
    sig = signer.captured_signature
    lines = cr.split("\n")
    assert lines[0] == rec["method"], (rec["name"], lines[0])
    assert lines[1] == expected_canonical_uri(wp), (rec["name"], lines[1])
    assert lines[-1] == rec["payload_hash"], rec["name"]
    date = rec["time"][:8]
    scope = f"{date}/{rec['region']}/{rec['service']}/aws4_request"
    assert sts == "\n".join(
        [
            "AWS4-HMAC-SHA256",
            rec["time"],
            scope,
            hashlib.sha256(cr.encode("utf-8")).hexdigest(),
        ]
    ), rec["name"]
    assert sig == independent_signature(
        rec["secret_key"], date, rec["region"], rec["service"], sts
    ), rec["name"]
    return cr, sts, sig, lines


def sign_case(
    name,
    method,
    url,
    region,
    headers=(),
    body=b"",
    session_token=None,
    time="20251124T120000Z",
    service="lambda",
    access_key="AKIAIOSFODNN7EXAMPLE",
    secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    content_sha256_header=True,
):
    """Sign a request the way the crate sends it (Authorization header)."""
    scheme, authority, path, query = split_url(url)
    wp, wq = wire_path(path), wire_query(query)
    wire = wp + ("?" + wq if wq else "")
    host = host_header(scheme, authority)
    payload_hash = hashlib.sha256(body).hexdigest()
    headers = [list(h) for h in headers]
    for hname, hvalue in headers:
        assert hname.lower() not in RESERVED_USER_HEADERS, (name, hname)
        # Tabs are allowed (botocore collapses every whitespace run); line breaks are not.
        assert "\r" not in hvalue and "\n" not in hvalue
        assert all(0x20 <= ord(c) < 0x7F or c == "\t" for c in hvalue), (name, hvalue)

    request = AWSRequest(method=method, url=f"{scheme}://{authority}{wire}", data=body)
    signed_user = []
    for hname, hvalue in headers:
        if not is_excluded_header(hname):
            request.headers[hname] = hvalue  # HTTPHeaders appends repeated names
            signed_user.append(hname.lower())
    if content_sha256_header:
        request.headers["X-Amz-Content-SHA256"] = payload_hash
    assert botocore.auth._host_from_url(request.url) == host, (name, host)

    creds = Credentials(access_key, secret_key, session_token)
    signer = CapturingSigV4Auth(creds, service, region)
    run_signer(signer, request, time)

    rec = {
        "name": name,
        "method": method,
        "url": url,
        "wire_path_and_query": wire,
        "region": region,
        "service": service,
        "host": host,
        "headers": headers,
        "body_hex": body.hex(),
        "access_key": access_key,
        "secret_key": secret_key,
        "session_token": session_token,
        "time": time,
        "content_sha256_header": content_sha256_header,
        "payload_hash": payload_hash,
    }
    cr, sts, sig, lines = _check_common(rec, signer, wp, wq)
    assert lines[2] == expected_canonical_query(wq), (name, lines[2])
    signed_headers = lines[-2]
    expected_signed = set(signed_user) | {"host", "x-amz-date"}
    if content_sha256_header:
        expected_signed.add("x-amz-content-sha256")
    if session_token:
        expected_signed.add("x-amz-security-token")
    assert signed_headers == ";".join(sorted(expected_signed)), (name, signed_headers)
    # Repeated header names are signed as their trimmed values joined by ','.
    for lname in set(signed_user):
        values = [
            " ".join(v.split()) for n, v in headers if n.lower() == lname
        ]
        assert f"{lname}:{','.join(values)}" in lines, (name, lname)
    assert f"host:{host}" in lines, name
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{time[:8]}/{region}/{service}/aws4_request, "
        f"SignedHeaders={signed_headers}, Signature={sig}"
    )
    assert request.headers["Authorization"] == authorization, name
    rec.update(
        {
            "signed_headers": signed_headers,
            "canonical_request": cr,
            "string_to_sign": sts,
            "signature": sig,
            "authorization": authorization,
        }
    )
    return rec


def presign_case(
    name,
    method,
    url,
    region,
    body=b"",
    session_token=None,
    time="20251124T120000Z",
    expires=900,
    service="lambda",
    access_key="AKIAIOSFODNN7EXAMPLE",
    secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
):
    """Presign a URL (query-string auth), host is the only signed header."""
    scheme, authority, path, query = split_url(url)
    wp, wq = wire_path(path), wire_query(query)
    wire = wp + ("?" + wq if wq else "")
    host = host_header(scheme, authority)
    payload_hash = hashlib.sha256(body).hexdigest()
    # SigV4QueryAuth re-parses the query into a dict: keys must be unique.
    keys = [p.partition("=")[0] for p in wq.split("&")] if wq else []
    assert len(keys) == len(set(keys)), (name, "presign query keys must be unique")

    base = f"{scheme}://{authority}{wp}"
    request = AWSRequest(method=method, url=base + ("?" + wq if wq else ""))
    creds = Credentials(access_key, secret_key, session_token)
    signer = BodyHashSigV4QueryAuth(creds, service, region, expires, body)
    run_signer(signer, request, time)

    rec = {
        "name": name,
        "method": method,
        "url": url,
        "wire_path_and_query": wire,
        "region": region,
        "service": service,
        "host": host,
        "headers": [],
        "body_hex": body.hex(),
        "access_key": access_key,
        "secret_key": secret_key,
        "session_token": session_token,
        "time": time,
        "expires": expires,
        "content_sha256_header": False,
        "payload_hash": payload_hash,
    }
    cr, sts, sig, lines = _check_common(rec, signer, wp, wq)
    presigned_url = request.url
    prefix = base + "?" + (wq + "&" if wq else "")
    assert presigned_url.startswith(prefix), (name, presigned_url)
    added = presigned_url[len(prefix) :]
    query_params = []
    for piece in added.split("&"):
        k, _, v = piece.partition("=")
        query_params.append([k, percent_decode(v).decode("utf-8")])
    expected_params = [
        ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
        ["X-Amz-Credential", f"{access_key}/{time[:8]}/{region}/{service}/aws4_request"],
        ["X-Amz-Date", time],
        ["X-Amz-Expires", str(expires)],
        ["X-Amz-SignedHeaders", "host"],
    ]
    if session_token is not None:
        expected_params.append(["X-Amz-Security-Token", session_token])
    expected_params.append(["X-Amz-Signature", sig])
    assert query_params == expected_params, (name, query_params)
    signed_query = (wq + "&" if wq else "") + added.rsplit("&X-Amz-Signature=", 1)[0]
    assert lines[2] == expected_canonical_query(signed_query), (name, lines[2])
    assert lines[-2] == "host" and lines[-4] == f"host:{host}", name
    rec.update(
        {
            "signed_headers": "host",
            "canonical_request": cr,
            "string_to_sign": sts,
            "signature": sig,
            "presigned_url": presigned_url,
            "query_params": query_params,
        }
    )
    return rec


# ---------------------------------------------------------------------------
# Self-checks
# ---------------------------------------------------------------------------

GET_VANILLA_SIGNATURE = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"


def get_vanilla():
    rec = sign_case(
        "get-vanilla",
        "GET",
        "https://example.amazonaws.com/",
        "us-east-1",
        service="service",
        time="20150830T123600Z",
        access_key="AKIDEXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        content_sha256_header=False,
    )
    if rec["signed_headers"] != "host;x-amz-date" or rec["signature"] != GET_VANILLA_SIGNATURE:
        sys.exit(
            "botocore self-check failed: get-vanilla gave "
            f"SignedHeaders={rec['signed_headers']} Signature={rec['signature']}, "
            f"expected host;x-amz-date {GET_VANILLA_SIGNATURE}"
        )
    return rec


def self_check_wire_form():
    examples = {
        "/a b/./c/../d*": "/a%20b/d%2A",
        "/x%2fy": "/x%2Fy",
        "//a//b/": "/a/b/",
        "": "/",
        "/": "/",
        "/a/..": "/",
        "/a/../": "/",
        "/a/b/..": "/a",
        "/100%/%zz/%4": "/100%25/%25zz/%254",
        "/caf\u00e9": "/caf%C3%A9",
    }
    for raw, want in examples.items():
        got = wire_path(raw)
        if got != want:
            sys.exit(f"wire_path self-check failed: {raw!r} -> {got!r}, want {want!r}")
    queries = {
        "a=1+2&b=x y&a&c=%2b": "a=1%202&b=x%20y&a=&c=%2B",
        "a=1&&b=2&": "a=1&b=2",
        "pct=100%&h=%4&z=%zz": "pct=100%25&h=%254&z=%25zz",
        "k==v": "k=%3Dv",
        "": "",
    }
    for raw, want in queries.items():
        got = wire_query(raw)
        if got != want:
            sys.exit(f"wire_query self-check failed: {raw!r} -> {got!r}, want {want!r}")
    try:
        wire_query("a=%FF")
    except InvalidQuery:
        pass
    else:
        sys.exit("wire_query self-check failed: %FF must be rejected")
    if hashlib.sha256(ARTICLE_BODY).hexdigest() != ARTICLE_BODY_SHA256:
        sys.exit("article body hash self-check failed")
    if hashlib.sha256(b"").hexdigest() != EMPTY_SHA256:
        sys.exit("empty body hash self-check failed")


# ---------------------------------------------------------------------------
# Hand-written cases
# ---------------------------------------------------------------------------

ID1 = "abcdefghijklmnopqrstuvwxyz234567"
ID2 = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
ID3 = "zyxwvutsrqponmlkjihgfedcba765432"
ID4 = "q7r2m9x4k1w8t5y3u6i0o2p4a8s1d5f9"
ID5 = "4vhxkqz2y7nm3rbt6wdj5fcl8sgp0aeu"

SESSION_TOKEN_1 = (
    "IQoJb3JpZ2luX2VjEHoaDGV1LWNlbnRyYWwtMSJHMEUCIQDx+Lx3/8jTn0e1b2kXl9aZ1PzY0qJ7mR4vWc3sGtH5"
    "AIgKp/2Vn+Q8d7f6s5a4r3e2w1q0z9y8x7v6u5t4s3r2q1p0+o9n8m7l6k5j4i3h2g1f0e9d8c7b6a5//////////"
    "wEQABoMMTIzNDU2Nzg5MDEyIgz0aBcDeFgHiJkLmNo+PqRsTuVwXyZ0l2mN3oP4qR5sT6uV7wX8yZ9a+B/C=="
)
SESSION_TOKEN_2 = (
    "FwoGZXIvYXdzEJr//////////wEaDM8Xv+2mQ/lqRn7kZSKsAQ4f9+8uT3e/ZpLw0sQ2vYb1HkX7cJ6aN5dG4rF3"
    "tE2yD1xC0wB9vA8uZ7tY6sX5rW4qV3pU2oT1nS0mR9lQ8kP7jO6iN5hM4gL3fK2eJ1dI0cH9bG8aF7+E6/D5=="
)

JSON_HEADERS = [["Content-Type", "application/json"]]

EXCLUDED_SAMPLE_1 = [
    ["User-Agent", "lambda-url-signer-tests/1.0 (rust)"],
    ["X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"],
    ["Via", "1.1 d111111abcdef8.cloudfront.net (CloudFront)"],
    ["X-Forwarded-For", "203.0.113.7, 198.51.100.2"],
    ["X-Forwarded-Proto", "https"],
    ["CF-Connecting-IP", "203.0.113.7"],
    ["Connection", "keep-alive"],
]
EXCLUDED_SAMPLE_2 = [
    ["Authorization", "Bearer not-a-sigv4-token"],
    ["Keep-Alive", "timeout=5, max=1000"],
    ["Proxy-Authorization", "Basic dXNlcjpwYXNz"],
    ["Proxy-Authenticate", "Basic realm=\"proxy\""],
    ["Proxy-Connection", "keep-alive"],
    ["TE", "trailers"],
    ["Trailer", "Expires"],
    ["Upgrade", "h2c"],
    ["Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"],
    ["Expect", "100-continue"],
    ["X-Forwarded-Host", "example.com"],
    ["X-Forwarded-Port", "443"],
    ["Cf-Ray", "8a1b2c3d4e5f6789-FRA"],
    ["cf-ipcountry", "DE"],
]


def lurl(uid, region, rest=""):
    return f"https://{uid}.lambda-url.{region}.on.aws{rest}"


def hand_cases():
    EC = "eu-central-1"
    UE = "us-east-1"
    AP = "ap-southeast-2"
    cases = []
    add = cases.append

    # --- methods -----------------------------------------------------------
    add(sign_case("get-root", "GET", lurl(ID1, EC, "/"), EC))
    add(sign_case("get-no-path", "GET", lurl(ID1, EC), EC))
    add(sign_case("get-no-path-with-query", "GET", lurl(ID1, EC, "?a=1&b=2"), EC))
    add(sign_case("head-root", "HEAD", lurl(ID2, UE, "/"), UE))
    add(
        sign_case(
            "options-cors-preflight",
            "OPTIONS",
            lurl(ID3, AP, "/api/items"),
            AP,
            headers=[
                ["Origin", "https://app.example.com"],
                ["Access-Control-Request-Method", "POST"],
                ["Access-Control-Request-Headers", "content-type, x-api-key"],
            ],
        )
    )
    add(
        sign_case(
            "header-tabs-and-whitespace-runs",
            "GET",
            lurl(ID3, AP, "/api/items"),
            AP,
            headers=[
                ["X-Custom", "\t a \t\tb  c\t"],
                ["X-Tabbed", "x\ty"],
            ],
        )
    )
    add(
        sign_case(
            "delete-with-query", "DELETE", lurl(ID4, "us-west-2", "/items/42?force=true"), "us-west-2"
        )
    )
    add(
        sign_case(
            "delete-json-body-session-token",
            "DELETE",
            lurl(ID1, EC, "/items"),
            EC,
            headers=JSON_HEADERS,
            body=b'{"ids":[1,2,3]}',
            session_token=SESSION_TOKEN_1,
        )
    )

    # --- bodies ------------------------------------------------------------
    add(
        sign_case(
            "post-json-article-body",
            "POST",
            lurl(ID1, EC, "/"),
            EC,
            headers=JSON_HEADERS,
            body=ARTICLE_BODY,
        )
    )
    add(
        sign_case(
            "post-json-session-token",
            "POST",
            lurl(ID1, EC, "/"),
            EC,
            headers=JSON_HEADERS,
            body=ARTICLE_BODY,
            session_token=SESSION_TOKEN_1,
        )
    )
    add(
        sign_case(
            "put-json-session-token",
            "PUT",
            lurl(ID3, AP, "/users/123"),
            AP,
            headers=[["Content-Type", "application/json; charset=utf-8"]],
            body='{"name": "Jürgen Müller", "city": "Köln", "tags": ["ä", "ß", "😀"]}'.encode("utf-8"),
            session_token=SESSION_TOKEN_2,
        )
    )
    add(
        sign_case(
            "patch-json-merge-patch",
            "PATCH",
            lurl(ID2, UE, "/users/123"),
            UE,
            headers=[["Content-Type", "application/merge-patch+json"], ["If-Match", '"etag-abc123"']],
            body=b'{"email":null,"nickname":"jm"}',
        )
    )
    add(
        sign_case(
            "post-form-urlencoded",
            "POST",
            lurl(ID4, EC, "/form"),
            EC,
            headers=[["Content-Type", "application/x-www-form-urlencoded"]],
            body=b"name=J%C3%BCrgen+M%C3%BCller&city=K%C3%B6ln&q=a%26b&empty=",
        )
    )
    add(
        sign_case(
            "post-binary-all-bytes",
            "POST",
            lurl(ID2, UE, "/upload"),
            UE,
            headers=[["Content-Type", "application/octet-stream"]],
            body=bytes(range(256)),
        )
    )
    add(
        sign_case(
            "put-binary-invalid-utf8-session-token",
            "PUT",
            lurl(ID5, "sa-east-1", "/blob/raw"),
            "sa-east-1",
            headers=[["Content-Type", "application/octet-stream"]],
            body=b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\x00\x80",
            session_token=SESSION_TOKEN_2,
        )
    )
    add(
        sign_case(
            "post-empty-body",
            "POST",
            lurl(ID1, EC, "/trigger"),
            EC,
            headers=[["Content-Length", "0"]],
        )
    )
    add(
        sign_case(
            "post-text-unicode-body",
            "POST",
            lurl(ID3, "ap-northeast-1", "/echo"),
            "ap-northeast-1",
            headers=[["Content-Type", "text/plain; charset=utf-8"]],
            body="こんにちは世界\nGrüße 😀\r\n".encode("utf-8"),
        )
    )
    add(
        sign_case(
            "post-json-large-body",
            "POST",
            lurl(ID5, UE, "/bulk"),
            UE,
            headers=JSON_HEADERS,
            body=json.dumps(
                {"items": [{"id": i, "value": "x" * (i % 17), "ok": i % 3 == 0} for i in range(200)]},
                indent=1,
            ).encode("utf-8"),
        )
    )

    # --- queries -----------------------------------------------------------
    add(sign_case("query-raw-spaces", "GET", lurl(ID1, EC, "/search?q=hello world&x=a  b"), EC))
    add(sign_case("query-encoded-spaces", "GET", lurl(ID1, EC, "/search?q=hello%20world&x=a%20%20b"), EC))
    add(sign_case("query-raw-plus-is-space", "GET", lurl(ID1, EC, "/calc?expr=1+2&sign=+&s=a+b+c"), EC))
    add(sign_case("query-encoded-plus", "GET", lurl(ID1, EC, "/calc?expr=1%2B2&sign=%2b"), EC))
    add(sign_case("query-equals-in-value", "GET", lurl(ID2, UE, "/f?expr=a=b=c&k==v&b64=YWJj=="), UE))
    add(
        sign_case(
            "query-encoded-ampersand", "GET", lurl(ID2, UE, "/f?q=rock%26roll&r=a%26b%3Dc&n%26m=1"), UE
        )
    )
    add(
        sign_case(
            "query-unicode-raw", "GET", lurl(ID3, AP, "/q?name=Jürgen&city=Zürich&emoji=😀&jp=日本"), AP
        )
    )
    add(
        sign_case(
            "query-unicode-percent-encoded",
            "GET",
            lurl(ID3, AP, "/q?name=J%C3%BCrgen&city=Z%c3%bcrich&emoji=%F0%9F%98%80&%C3%A4=%e6%97%a5"),
            AP,
        )
    )
    add(sign_case("query-repeated-keys-unsorted", "GET", lurl(ID4, EC, "/list?z=3&a=2&z=1&a=10&m=&a=1&B=x"), EC))
    add(sign_case("query-keys-without-values", "GET", lurl(ID4, EC, "/list?flag&empty=&other=1&flag2"), EC))
    add(sign_case("query-empty-pieces", "GET", lurl(ID4, EC, "/list?&&a=1&&b=2&"), EC))
    add(sign_case("query-only-question-mark", "GET", lurl(ID4, EC, "/list?"), EC))
    add(sign_case("query-only-ampersands", "GET", lurl(ID4, EC, "/list?&&"), EC))
    add(
        sign_case(
            "query-reserved-chars",
            "GET",
            lurl(
                ID5,
                "us-west-2",
                "/r?path=/a/b&redirect=https://example.com/?x=1&list=a,b;c&at=@&star=*&paren=(x)&bang=!&tick='&dollar=$",
            ),
            "us-west-2",
        )
    )
    add(sign_case("query-literal-percent", "GET", lurl(ID5, "us-west-2", "/p?pct=100%&bad=%zz&half=%4&ok=%41"), "us-west-2"))
    add(sign_case("query-unreserved-and-tilde", "GET", lurl(ID5, "us-west-2", "/t?t=~user&u=a-b_c.d~e&%7E=%7e"), "us-west-2"))
    add(
        sign_case(
            "query-session-token-post",
            "POST",
            lurl(ID1, EC, "/hook?source=github&event=push&delivery=72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            EC,
            headers=JSON_HEADERS,
            body=b'{"ref":"refs/heads/main"}',
            session_token=SESSION_TOKEN_1,
        )
    )

    # --- paths -------------------------------------------------------------
    add(sign_case("path-encoded-space", "GET", lurl(ID2, EC, "/files/my%20file.txt"), EC))
    add(sign_case("path-raw-space", "GET", lurl(ID2, EC, "/files/my file.txt"), EC))
    add(sign_case("path-sub-delims", "GET", lurl(ID2, EC, "/a*b/(c)/d!e/f'g"), EC))
    add(sign_case("path-tilde-unreserved", "GET", lurl(ID2, EC, "/~user/docs~1/a-b_c.d"), EC))
    add(sign_case("path-unicode-raw", "GET", lurl(ID3, UE, "/café/日本語/😀"), UE))
    add(sign_case("path-unicode-percent-encoded", "GET", lurl(ID3, UE, "/caf%C3%A9/%e6%97%a5%E6%9C%AC"), UE))
    add(sign_case("path-double-slashes", "GET", lurl(ID3, UE, "//a//b/"), UE))
    add(sign_case("path-dot-segments", "GET", lurl(ID4, AP, "/a/./b/./c/."), AP))
    add(sign_case("path-dot-dot-segments", "GET", lurl(ID4, AP, "/a/b/../c/../../d"), AP))
    add(sign_case("path-dot-dot-above-root", "GET", lurl(ID4, AP, "/../../a/"), AP))
    add(sign_case("path-dot-dot-to-root", "GET", lurl(ID4, AP, "/a/../"), AP))
    add(sign_case("path-trailing-dot-dot", "GET", lurl(ID4, AP, "/a/b/.."), AP))
    add(sign_case("path-trailing-slash", "GET", lurl(ID5, EC, "/api/users/"), EC))
    add(sign_case("path-encoded-slash", "GET", lurl(ID5, EC, "/a%2Fb/c%2fd"), EC))
    add(sign_case("path-lowercase-escapes", "GET", lurl(ID5, EC, "/%2a%7e%41/%c3%a9"), EC))
    add(sign_case("path-reserved-chars", "GET", lurl(ID5, EC, "/a+b/c:d/e@f/g=h/i&j/k;l/m,n/o$p"), EC))
    add(sign_case("path-literal-percent", "GET", lurl(ID5, EC, "/100%/50%zz/%4"), EC))
    add(sign_case("path-other-ascii", "GET", lurl(ID5, EC, '/{x}/[y]/<z>/"q"/a|b/c^d/`e`'), EC))
    add(sign_case("path-and-query-spec-example", "GET", lurl(ID1, EC, "/a b/./c/../d*?a=1+2&b=x y&a&c=%2b"), EC))
    add(
        sign_case(
            "put-path-and-query-session-token",
            "PUT",
            lurl(ID2, AP, "/buckets/my bucket/obj (1).txt?versionId=3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY&acl"),
            AP,
            headers=[["Content-Type", "text/plain"]],
            body=b"hello\n",
            session_token=SESSION_TOKEN_2,
        )
    )

    # --- headers -----------------------------------------------------------
    add(
        sign_case(
            "headers-odd-spacing",
            "POST",
            lurl(ID1, EC, "/h"),
            EC,
            headers=[
                ["Content-Type", "   application/json   "],
                ["X-Spaced", "   leading and   internal    runs   "],
                ["X-Single", "a b"],
                ["X-Quoted", '  "  quoted   value  "  '],
            ],
            body=b"{}",
        )
    )
    add(
        sign_case(
            "headers-multi-value",
            "GET",
            lurl(ID1, EC, "/h"),
            EC,
            headers=[
                ["Accept", "text/html"],
                ["X-Multi", "first"],
                ["Accept", "  application/json  "],
                ["x-multi", "second   value"],
                ["X-MULTI", "third"],
            ],
        )
    )
    add(
        sign_case(
            "headers-mixed-case-names",
            "POST",
            lurl(ID2, UE, "/h"),
            UE,
            headers=[
                ["CONTENT-TYPE", "application/json"],
                ["X-MiXeD-CaSe-Header", "Value-Keeps-Case"],
                ["x-lower", "lower"],
                ["Accept-LANGUAGE", "en-US,en;q=0.9,de;q=0.8"],
            ],
            body=b'{"a":1}',
        )
    )
    add(
        sign_case(
            "headers-excluded-common",
            "POST",
            lurl(ID3, AP, "/h"),
            AP,
            headers=JSON_HEADERS + EXCLUDED_SAMPLE_1 + [["X-Custom", "kept"]],
            body=ARTICLE_BODY,
        )
    )
    add(
        sign_case(
            "headers-excluded-all-others-session-token",
            "PUT",
            lurl(ID3, AP, "/h"),
            AP,
            headers=[["Content-Type", "text/plain"]]
            + EXCLUDED_SAMPLE_2
            + [["Content-Length", "5"], ["Transfer-Encoding", "identity"], ["X-Custom", "kept"]],
            body=b"hello",
            session_token=SESSION_TOKEN_1,
        )
    )
    add(
        sign_case(
            "headers-excluded-mixed-case",
            "GET",
            lurl(ID4, EC, "/h"),
            EC,
            headers=[
                ["user-AGENT", "curl/8.5.0"],
                ["X-FORWARDED-PORT", "8443"],
                ["cF-iPCountry", "AT"],
                ["VIA", "2.0 proxy"],
                ["x-AMZN-trace-ID", "Root=1-00000000-000000000000000000000000"],
                ["CONNECTION", "close"],
                ["X-Signed", "yes"],
            ],
        )
    )
    add(
        sign_case(
            "headers-lookalikes-are-signed",
            "GET",
            lurl(ID4, EC, "/h"),
            EC,
            headers=[
                ["X-Forwarded", "not-a-prefix-match"],
                ["X-Forwardedfor", "also-signed"],
                ["Cfg-Version", "3"],
                ["X-Via", "signed"],
                ["X-User-Agent", "signed"],
                ["Tea", "earl grey"],
                ["X-CF-Ray", "signed"],
            ],
        )
    )
    add(
        sign_case(
            "headers-only-excluded",
            "GET",
            lurl(ID5, UE, "/h"),
            UE,
            headers=[["User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"], ["X-Amzn-Trace-Id", "Self=1-abc"]],
        )
    )

    # --- hosts, regions, times ---------------------------------------------
    add(
        sign_case(
            "cloudfront-host-eu-west-1",
            "POST",
            "https://d111111abcdef8.cloudfront.net/api",
            "eu-west-1",
            headers=JSON_HEADERS,
            body=ARTICLE_BODY,
        )
    )
    add(
        sign_case(
            "cloudfront-host-query-session-token",
            "GET",
            "https://d111111abcdef8.cloudfront.net/api/items?page=2&size=50",
            "eu-west-1",
            session_token=SESSION_TOKEN_2,
        )
    )
    add(sign_case("loopback-with-port", "GET", "http://127.0.0.1:9000/x", "us-east-1"))
    add(
        sign_case(
            "loopback-with-port-post",
            "POST",
            "http://127.0.0.1:9000/x/y?z=1",
            "us-east-1",
            headers=JSON_HEADERS,
            body=b'{"k":"v"}',
        )
    )
    add(sign_case("explicit-default-https-port", "GET", lurl(ID1, EC, ":443/p"), EC))
    add(sign_case("explicit-default-http-port", "GET", "http://localhost:80/invoke", "us-east-1"))
    add(sign_case("localhost-non-default-port", "GET", "http://localhost:8080/invoke?x=1", "us-east-1"))
    add(sign_case("region-us-west-2", "GET", lurl(ID2, "us-west-2", "/"), "us-west-2"))
    add(sign_case("region-ca-central-1", "GET", lurl(ID2, "ca-central-1", "/"), "ca-central-1"))
    add(sign_case("region-me-south-1-session-token", "GET", lurl(ID2, "me-south-1", "/"), "me-south-1", session_token=SESSION_TOKEN_2))
    add(sign_case("time-leap-day", "GET", lurl(ID3, EC, "/"), EC, time="20240229T235959Z"))
    add(sign_case("time-new-year-midnight", "POST", lurl(ID3, EC, "/"), EC, headers=JSON_HEADERS, body=ARTICLE_BODY, time="20260101T000000Z"))
    add(sign_case("time-end-of-2025", "GET", lurl(ID3, EC, "/?a=1"), EC, time="20251231T235959Z", session_token=SESSION_TOKEN_1))
    add(
        sign_case(
            "other-credentials",
            "GET",
            lurl(ID4, UE, "/"),
            UE,
            access_key="ASIAY34FZKBOKMUTVV7A",
            secret_key="Jb7hF/2tY+QpL0s9Xv3mN4kR8wE1zC6aD5gH7jK9",
            session_token=SESSION_TOKEN_2,
        )
    )
    return cases


def hand_presigned():
    EC = "eu-central-1"
    return [
        presign_case("presign-get-root", "GET", lurl(ID1, EC, "/"), EC),
        presign_case("presign-get-session-token", "GET", lurl(ID1, EC, "/"), EC, session_token=SESSION_TOKEN_1),
        presign_case(
            "presign-get-query",
            "GET",
            lurl(ID2, "us-east-1", "/search?q=hello world&expr=1+2&city=Zürich&flag&z=%2b"),
            "us-east-1",
        ),
        presign_case(
            "presign-get-query-session-token",
            "GET",
            lurl(ID2, "us-east-1", "/search?b=2&a=1"),
            "us-east-1",
            session_token=SESSION_TOKEN_2,
        ),
        presign_case("presign-post-json-body", "POST", lurl(ID3, "ap-southeast-2", "/"), "ap-southeast-2", body=ARTICLE_BODY),
        presign_case(
            "presign-post-binary-body-session-token",
            "POST",
            lurl(ID3, "ap-southeast-2", "/upload"),
            "ap-southeast-2",
            body=bytes(range(256)),
            session_token=SESSION_TOKEN_1,
        ),
        presign_case(
            "presign-path-encoding-expires-3600",
            "GET",
            lurl(ID4, EC, "/a b/./c/../d*/café/%2f"),
            EC,
            expires=3600,
        ),
        presign_case(
            "presign-max-expires-other-time",
            "PUT",
            lurl(ID5, "us-west-2", "/obj?v=1"),
            "us-west-2",
            body=b"hello",
            time="20240229T235959Z",
            expires=604800,
        ),
        presign_case(
            "presign-cloudfront-host",
            "GET",
            "https://d111111abcdef8.cloudfront.net/api?x=1",
            "eu-west-1",
        ),
    ]


# ---------------------------------------------------------------------------
# Random cases
# ---------------------------------------------------------------------------

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-north-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-south-1",
    "sa-east-1",
    "ca-central-1",
    "me-south-1",
    "af-south-1",
]
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

PATH_POOL = [
    "api", "v1", "v2", "users", "items", "123", "a-b_c.d", "~tilde", "x~y",
    "a b", "a%20b", "x+y", "*", "a*b", "(paren)", "bang!", "it's", "c:d", "at@x",
    "eq=", "amp&x", "semi;colon", "a,b", "$dollar", "{brace}", "[bracket]", "a|b",
    "café", "日本", "😀", "Grüße", "caf%C3%A9", "%e6%97%a5", "%E2%82%AC",
    "a%2Fb", "%2f", "%2a", "%7E", "%41", "%ff", "100%", "%zz", "%4",
    ".", "..", "", "", "...", ".hidden", "file.txt",
]
QUERY_KEY_POOL = [
    "a", "b", "q", "z", "Key", "key", "x-y", "name", "filter", "page", "sort",
    "~t", "%7E", "a.b", "list[]", "$top", "k+v", "sp ace", "sp%20ace", "a%26b",
    "e%3D", "ä", "%C3%A4", "%c3%a4", "日本", "😀", "100%", "X-Amz-Custom",
]
QUERY_VALUE_POOL = [
    "1", "2", "10", "true", "hello world", "hello%20world", "1+2", "+", "%2B",
    "%2b", "a=b", "==", "rock%26roll", "a%26b%3Dc", "Zürich", "Z%C3%BCrich",
    "😀", "%F0%9F%98%80", "100%", "%zz", "%4", "/path/x", "https://e.com/?q=1",
    "a,b;c", "(it's)!*", "~", "-_.~", " lead", "trail ", "%00", "@:$", "{}[]|^`",
    "\"quoted\"", "<tag>", "x" * 40,
]
HEADER_NAME_POOL = [
    "Content-Type", "content-type", "Accept", "ACCEPT", "X-Custom-Header",
    "x-custom-header", "X-MiXeD-Case", "X-Request-Id", "If-None-Match",
    "Cache-Control", "X-Api-Version", "Origin", "Accept-Language", "X-Forwarded",
    "Cfg-Version", "X-Tenant", "Accept-Encoding", "Pragma",
]
HEADER_VALUE_POOL = [
    "application/json", "text/plain; charset=utf-8", "*/*", "no-cache",
    "max-age=0, private", '"etag-123"', "a  b   c", "value", "42",
    "en-US,en;q=0.9", "https://example.com", "x=y;z=w", "gzip, deflate, br",
    "Mozilla/5.0 (X11; Linux x86_64)", "tenant-0001", "  ", "!#$%&'*+-.^_`|~",
]
EXCLUDED_POOL = [
    ["User-Agent", "reqwest/0.12"],
    ["user-agent", "curl/8.5.0"],
    ["X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678"],
    ["Via", "1.1 varnish"],
    ["X-Forwarded-For", "203.0.113.7"],
    ["x-forwarded-proto", "https"],
    ["CF-Connecting-IP", "198.51.100.1"],
    ["cf-ray", "8a1b2c3d4e5f6789-AMS"],
    ["Connection", "keep-alive"],
    ["Keep-Alive", "timeout=5"],
    ["TE", "trailers"],
    ["Upgrade", "websocket"],
    ["Forwarded", "for=192.0.2.43"],
    ["Proxy-Connection", "keep-alive"],
    ["Proxy-Authorization", "Basic dXNlcjpwYXNz"],
    ["Authorization", "Bearer abc"],
    ["Expect", "100-continue"],
    ["Trailer", "Expires"],
]
TEXT_POOL = ["hello", "world", "Grüße", "日本語", "😀", "a+b", "x=y", "&", "\n", " ", "\t", "\"q\"", "ünïcödé"]


def rand_str(rng, alphabet, n):
    return "".join(alphabet[rng.randrange(len(alphabet))] for _ in range(n))


def rand_spaces(rng, value):
    lead = " " * rng.randrange(0, 4)
    trail = " " * rng.randrange(0, 4)
    if rng.random() < 0.3:
        value = value.replace(" ", " " * rng.randrange(1, 4))
    if rng.random() < 0.2 and len(value) > 2:
        cut = rng.randrange(1, len(value) - 1)
        value = value[:cut] + " " * rng.randrange(1, 4) + value[cut:]
    return lead + value + trail


def rand_path(rng):
    n = rng.randrange(0, 7)
    if n == 0:
        return rng.choice(["", "/", "//"])
    path = "/" + "/".join(rng.choice(PATH_POOL) for _ in range(n))
    if rng.random() < 0.25:
        path += "/"
    return path


def rand_query(rng):
    r = rng.random()
    if r < 0.35:
        return None
    if r < 0.4:
        return rng.choice(["", "&", "&&"])
    pieces = []
    keys = []
    for _ in range(rng.randrange(1, 8)):
        if keys and rng.random() < 0.2:
            key = rng.choice(keys)  # repeated key
        else:
            key = rng.choice(QUERY_KEY_POOL)
            keys.append(key)
        form = rng.random()
        if form < 0.1:
            pieces.append(key)
        elif form < 0.2:
            pieces.append(key + "=")
        elif form < 0.25:
            pieces.append("")
        else:
            pieces.append(key + "=" + rng.choice(QUERY_VALUE_POOL))
    return "&".join(pieces)


def rand_headers(rng, body):
    headers = []
    for _ in range(rng.randrange(0, 6)):
        if headers and rng.random() < 0.15:
            name = rng.choice(headers)[0]  # several values
            name = rng.choice([name, name.lower(), name.upper()])
        else:
            name = rng.choice(HEADER_NAME_POOL)
        value = rng.choice(HEADER_VALUE_POOL)
        if value.strip() == "":
            value = "v" + str(rng.randrange(1000))
        headers.append([name, rand_spaces(rng, value)])
    if rng.random() < 0.3:
        for _ in range(rng.randrange(1, 3)):
            pos = rng.randrange(len(headers) + 1)
            headers.insert(pos, list(rng.choice(EXCLUDED_POOL)))
    if body and rng.random() < 0.1:
        headers.append(["Content-Length", str(len(body))])
    return headers


def rand_json(rng, limit):
    obj = {}
    for i in range(rng.randrange(0, 30)):
        key = rng.choice(TEXT_POOL) + str(i)
        kind = rng.randrange(4)
        if kind == 0:
            obj[key] = rng.randrange(-(10**6), 10**6)
        elif kind == 1:
            obj[key] = "".join(rng.choice(TEXT_POOL) for _ in range(rng.randrange(0, 8)))
        elif kind == 2:
            obj[key] = [rng.randrange(100) for _ in range(rng.randrange(0, 6))]
        else:
            obj[key] = rng.choice([True, False, None])
    indent = rng.choice([None, 2, 4])
    ensure_ascii = rng.random() < 0.5
    data = json.dumps(obj, indent=indent, ensure_ascii=ensure_ascii).encode("utf-8")
    return data[:limit] if len(data) > limit else data


def rand_body(rng, method):
    if method in ("GET", "HEAD", "OPTIONS") and rng.random() < 0.85:
        return b"", None
    limit = rng.randrange(0, 2049)
    kind = rng.randrange(5)
    if kind == 0:
        return b"", None
    if kind == 1:
        return bytes(rng.getrandbits(8) for _ in range(limit)), "application/octet-stream"
    if kind == 2:
        return rand_json(rng, 2048), "application/json"
    if kind == 3:
        pairs = [
            rng.choice(QUERY_KEY_POOL) + "=" + rng.choice(QUERY_VALUE_POOL)
            for _ in range(rng.randrange(1, 10))
        ]
        return "&".join(pairs).encode("utf-8")[:2048], "application/x-www-form-urlencoded"
    text = "".join(rng.choice(TEXT_POOL) for _ in range(rng.randrange(0, 200)))
    return text.encode("utf-8")[:limit], "text/plain; charset=utf-8"


def rand_host(rng, region):
    r = rng.random()
    if r < 0.9:
        return "https://" + rand_str(rng, ID_ALPHABET, 32) + f".lambda-url.{region}.on.aws"
    if r < 0.95:
        return "https://d" + rand_str(rng, ID_ALPHABET, 13) + ".cloudfront.net"
    return f"http://127.0.0.1:{rng.randrange(1024, 65536)}"


def rand_time(rng):
    start = datetime.datetime(2024, 1, 1)
    span = int((datetime.datetime(2027, 1, 1) - start).total_seconds())
    return (start + datetime.timedelta(seconds=rng.randrange(span))).strftime("%Y%m%dT%H%M%SZ")


def random_cases():
    rng = random.Random(RANDOM_SEED)
    cases = []
    for i in range(RANDOM_CASE_COUNT):
        method = rng.choice(METHODS)
        region = rng.choice(REGIONS)
        url = rand_host(rng, region) + rand_path(rng)
        query = rand_query(rng)
        if query is not None:
            url += "?" + query
        body, content_type = rand_body(rng, method)
        headers = rand_headers(rng, body)
        if content_type and rng.random() < 0.7:
            headers.insert(0, ["Content-Type", content_type])
        token = None
        if rng.random() < 0.5:
            token = rand_str(rng, B64_ALPHABET, rng.randrange(100, 700)) + rng.choice(["", "=", "=="])
        access_key = ("ASIA" if token else "AKIA") + rand_str(rng, UPPER_ALNUM, 16)
        secret_key = rand_str(rng, B64_ALPHABET, 40)
        time = rand_time(rng)
        name = f"random-{i:03d}-{method.lower()}"
        cases.append(
            sign_case(
                name,
                method,
                url,
                region,
                headers=headers,
                body=body,
                session_token=token,
                time=time,
                access_key=access_key,
                secret_key=secret_key,
            )
        )
    return cases


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def check_names(records):
    names = [r["name"] for r in records]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, dupes
    bad = [n for n in names if not NAME_RE.match(n)]
    assert not bad, bad


def render(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def build():
    self_check_wire_form()
    vanilla = get_vanilla()
    cases = hand_cases()
    presigned = hand_presigned()
    check_names([vanilla] + cases + presigned)
    assert len(cases) >= 45, len(cases)
    assert len(presigned) >= 6, len(presigned)
    article = [c for c in cases if c["name"] == "post-json-article-body"][0]
    assert article["payload_hash"] == ARTICLE_BODY_SHA256
    assert set(c["method"] for c in cases) == set(METHODS)

    rand = random_cases()
    check_names(rand)
    assert len(rand) == RANDOM_CASE_COUNT

    vectors = {
        "generator": GENERATOR,
        "botocore_version": botocore.__version__,
        "get_vanilla": vanilla,
        "cases": cases,
        "presigned": presigned,
    }
    random_vectors = {
        "generator": GENERATOR,
        "botocore_version": botocore.__version__,
        "cases": rand,
        "presigned": [],
    }
    return {VECTORS_PATH: render(vectors), RANDOM_VECTORS_PATH: render(random_vectors)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and exit 1 if the committed files differ",
    )
    args = parser.parse_args()
    outputs = build()
    if args.check:
        stale = []
        for path, text in outputs.items():
            try:
                current = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                current = None
            if current != text:
                stale.append(path.relative_to(REPO_ROOT).as_posix())
        if stale:
            print(
                "error: generated vectors are out of date: "
                + ", ".join(stale)
                + "\nrun `python3 scripts/gen_vectors.py` and commit the result",
                file=sys.stderr,
            )
            return 1
        print("vectors are up to date")
        return 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        print(f"wrote {path.relative_to(REPO_ROOT).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
