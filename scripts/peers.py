#!/usr/bin/env python3
"""Time botocore's SigV4Auth on the requests of benches/sign.rs.

Each signature is what the crate does per request: hash the body (SHA-256), set
x-amz-content-sha256, and sign (x-amz-date, x-amz-security-token, authorization) with
fixed credentials at a fixed time. Requests are built before the clock starts, so only
signing is timed, as in the criterion bench.

Usage:
    python3 scripts/peers.py            # prints one line per case: name, µs per signature
    python3 scripts/peers.py --json     # the same as one JSON object

Each case also prints the Authorization header's signature, so bench.sh can check that
every signer computed the same thing.
"""

import argparse
import datetime
import hashlib
import json
import statistics
import sys
import timeit
from unittest import mock

import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

GET_URL = (
    "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws"
    "/items?limit=10&next=a%20b"
)
POST_URL = "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/items"
REGION = "eu-central-1"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
SIGNING_TIME = datetime.datetime(2025, 11, 24, 16, 0, 0)  # 1_764_000_000 s, UTC


def json_body(length):
    """A JSON document of exactly `length` bytes, as the Rust bench builds it."""
    prefix, suffix = b'{"data":"', b'"}'
    return prefix + b"x" * (length - len(prefix) - len(suffix)) + suffix


CASES = {
    "get": ("GET", GET_URL, {"accept": "application/json"}, b""),
    "post_1k": ("POST", POST_URL, {"content-type": "application/json"}, json_body(1024)),
}


def new_request(case):
    method, url, headers, body = CASES[case]
    return AWSRequest(method=method, url=url, headers=dict(headers), data=body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--number", type=int, default=2000, help="signatures per repeat")
    parser.add_argument("--repeat", type=int, default=7, help="repeats (median reported)")
    args = parser.parse_args()

    credentials = Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    auth = SigV4Auth(credentials, "lambda", REGION)

    def sign(request):
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(request.body or b"").hexdigest()
        auth.add_auth(request)

    results = {"botocore": botocore.__version__, "cases": {}}
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: SIGNING_TIME):
        for case in CASES:
            probe = new_request(case)
            sign(probe)
            signature = probe.headers["Authorization"].rsplit("Signature=", 1)[1]
            signed = probe.headers["Authorization"].split("SignedHeaders=", 1)[1].split(",")[0]

            per_repeat = []
            for _ in range(args.repeat):
                pending = iter([new_request(case) for _ in range(args.number)])
                timer = timeit.Timer(lambda: sign(next(pending)))
                per_repeat.append(timer.timeit(number=args.number) / args.number * 1e6)
            results["cases"][case] = {
                "us_per_signature": statistics.median(per_repeat),
                "min_us": min(per_repeat),
                "signed_headers": signed,
                "signature": signature,
            }

    if args.json:
        json.dump(results, sys.stdout)
        print()
    else:
        print(f"botocore {results['botocore']}")
        for case, r in results["cases"].items():
            print(
                f"{case}: {r['us_per_signature']:.2f} µs/signature (min {r['min_us']:.2f}), "
                f"signed {r['signed_headers']}, signature {r['signature']}"
            )


if __name__ == "__main__":
    main()
