"""emulator.accessanalyzer: a TEST DOUBLE for IAM Access Analyzer, which
moto 5.x does not implement at all (every request to the service answers
HTTP 500). cairn audit reads ListAnalyzers in every region for CIS AWS
Foundations 3.0 control 1.20; this double lets its tests and the demo
create analyzers and see the control pass and fail.

It answers, per account and region, the four operations of the API
reference (REST-JSON, signing name access-analyzer) that an account-level
analyzer needs, and nothing else:

  CreateAnalyzer   PUT /analyzer         {analyzerName, type, tags?}
                   -> {"arn"}; ConflictException (409) when the name exists;
                   ValidationException (400) for a type other than ACCOUNT,
                   ORGANIZATION, ACCOUNT_UNUSED_ACCESS, ORGANIZATION_UNUSED_ACCESS
  ListAnalyzers    GET /analyzer[?type=T] -> {"analyzers": [AnalyzerSummary]}
                   (arn, name, type, createdAt, status ACTIVE, tags)
  GetAnalyzer      GET /analyzer/{name}   -> {"analyzer": AnalyzerSummary};
                   ResourceNotFoundException (404)
  DeleteAnalyzer   DELETE /analyzer/{name} -> {}; ResourceNotFoundException (404)

A new analyzer is ACTIVE at once (AWS shows CREATING for a moment).
Requests are recognised by the credential scope of their SigV4
Authorization header, which names the service; the region comes from the
same scope, the account is moto's default (123456789012, or
MOTO_ACCOUNT_ID). POST /moto-api/reset clears the analyzers with moto's
own state. Nothing here is cairn: it stands in for AWS.
"""
import datetime
import json
import os
import re
import threading

from moto.moto_server import werkzeug_app

_lock = threading.Lock()
_analyzers = {}  # (account, region) -> {name: summary}
_TYPES = {"ACCOUNT", "ORGANIZATION", "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS"}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/access-analyzer/aws4_request")


def _account():
    return os.environ.get("MOTO_ACCOUNT_ID", "123456789012")


def _respond(start_response, status, body, error=None):
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
               ("x-amzn-RequestId", "moto-ext-accessanalyzer")]
    if error:
        headers.append(("x-amzn-ErrorType", error))
    start_response(status, headers)
    return [data]


def _error(start_response, status, code, message):
    return _respond(start_response, status, {"message": message}, code)


def _serve(environ, start_response, region):
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    key = (_account(), region)
    with _lock:
        mine = _analyzers.setdefault(key, {})
        if path.rstrip("/") == "/analyzer":
            if method == "PUT":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(size) or b"{}")
                name, kind = body.get("analyzerName"), body.get("type")
                if not name or kind not in _TYPES:
                    return _error(start_response, "400 Bad Request", "ValidationException",
                                  "analyzerName and a valid type are required")
                if name in mine:
                    return _error(start_response, "409 Conflict", "ConflictException",
                                  "Analyzer %s already exists" % name)
                arn = "arn:aws:access-analyzer:%s:%s:analyzer/%s" % (region, key[0], name)
                mine[name] = {"arn": arn, "name": name, "type": kind, "status": "ACTIVE",
                              "createdAt": datetime.datetime.now(datetime.timezone.utc)
                              .strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "tags": body.get("tags") or {}}
                return _respond(start_response, "200 OK", {"arn": arn})
            if method == "GET":
                want = None
                for part in query.split("&"):
                    if part.startswith("type="):
                        want = part[5:]
                found = [a for a in mine.values() if want is None or a["type"] == want]
                return _respond(start_response, "200 OK", {"analyzers": found})
        m = re.fullmatch(r"/analyzer/([^/]+)", path)
        if m:
            name = m.group(1)
            if name not in mine:
                return _error(start_response, "404 Not Found", "ResourceNotFoundException",
                              "Analyzer %s not found" % name)
            if method == "GET":
                return _respond(start_response, "200 OK", {"analyzer": mine[name]})
            if method == "DELETE":
                del mine[name]
                return _respond(start_response, "200 OK", {})
    return _error(start_response, "400 Bad Request", "ValidationException",
                  "this test double implements CreateAnalyzer, ListAnalyzers, GetAnalyzer "
                  "and DeleteAnalyzer only (%s %s)" % (method, path))


_dispatch = werkzeug_app.DomainDispatcherApplication.__call__


def _call(self, environ, start_response):
    m = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if m:
        return _serve(environ, start_response, m.group(1))
    if environ.get("PATH_INFO") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
        with _lock:
            _analyzers.clear()
    return _dispatch(self, environ, start_response)


werkzeug_app.DomainDispatcherApplication.__call__ = _call
