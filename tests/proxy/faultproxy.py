#!/usr/bin/env python3
"""faultproxy: a fault-injecting HTTP proxy between cairn and moto.

Listens on loopback, forwards each request to an upstream (moto_server),
and on the way can add latency and inject faults at configured rates:

  throttle   answer with the service's own throttling error, in its
             protocol: JSON ({"__type": "ThrottlingException"}), Query
             (<ErrorResponse><Error><Code>Throttling</Code>), EC2
             (<Response><Errors><Error><Code>RequestLimitExceeded</Code>),
             S3 (503 <Error><Code>SlowDown</Code>), REST-JSON
             (429, X-Amzn-ErrorType: TooManyRequestsException)
  error500   HTTP 500 InternalError/InternalFailure in the protocol's shape
  error503   HTTP 503 ServiceUnavailable in the protocol's shape
  drop       read the request, then close the connection without answering

With --replay, a successful answer is remembered per (method, path, body)
and later identical requests get it back (after the latency) without
reaching the upstream: moto serves ~200 requests/s on a small machine,
so the benchmark of the client's overlap (bench/aws) replays read-only
calls instead of measuring moto. The first request of each kind always
goes to the upstream.

The service is taken from the SigV4 credential scope of the Authorization
header (".../us-east-1/kms/aws4_request"), the protocol from the service.

Usage:
  faultproxy.py --upstream http://127.0.0.1:PORT [--port 0] [--latency-ms 50]
                [--throttle 0.3] [--error500 0] [--error503 0] [--drop 0]
                [--seed N] [--retry-after-ms N] [--fault-limit N] [--replay]
It prints "listening on PORT" on stdout once ready. At runtime:
  GET  /__proxy/stats    counters as JSON (requests, forwarded, throttle, ...,
                         per_operation: {"kms.CreateKey": n, ...})
  POST /__proxy/config   JSON with any of the options above, to change them
  POST /__proxy/reset    zero the counters

Also importable: FaultProxy(upstream, **options).start() runs it in a
thread of the calling process (used by tests/lib code that wants no child).
"""

import argparse
import asyncio
import json
import random
import re
import sys
import threading
import urllib.parse
import uuid

PROTOCOLS = {
    "ec2": "ec2", "iam": "query", "sts": "query", "s3": "rest-xml",
    "lambda": "rest-json", "access-analyzer": "rest-json",
}
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class Config:
    def __init__(self, **kw):
        self.latency_ms = float(kw.get("latency_ms", 0) or 0)
        self.throttle = float(kw.get("throttle", 0) or 0)
        self.error500 = float(kw.get("error500", 0) or 0)
        self.error503 = float(kw.get("error503", 0) or 0)
        self.drop = float(kw.get("drop", 0) or 0)
        self.retry_after_ms = kw.get("retry_after_ms")
        self.replay = bool(kw.get("replay", False))
        self.fault_limit = kw.get("fault_limit")  # stop injecting after this many faults

    def update(self, d):
        for k, v in d.items():
            k = k.replace("-", "_")
            if k == "retry_after_ms":
                self.retry_after_ms = v
            elif k == "replay":
                self.replay = bool(v)
            elif k == "fault_limit":
                self.fault_limit = v
            elif hasattr(self, k):
                setattr(self, k, float(v))


def new_stats():
    return {"requests": 0, "connections": 0, "forwarded": 0, "replayed": 0, "throttle": 0,
            "error500": 0, "error503": 0, "drop": 0, "upstream_errors": 0, "per_operation": {}}


def operation_of(service, headers, body, target):
    t = headers.get("x-amz-target")
    if t:
        return t.split(".")[-1]
    if service in ("ec2", "iam", "sts") and body:
        q = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in q:
            return q["Action"][0]
    return "%s %s" % (target.split(" ")[0], urllib.parse.urlsplit(target.split(" ")[1]).path)


def fault_response(kind, service, retry_after_ms):
    """(status, headers, body) of an injected error in the service's protocol."""
    proto = PROTOCOLS.get(service, "json")
    rid = str(uuid.uuid4())
    if kind == "throttle":
        status, code, msg = 400, "Throttling", "Rate exceeded"
        if proto == "json":
            code = "ThrottlingException"
        elif proto == "ec2":
            status, code, msg = 503, "RequestLimitExceeded", "Request limit exceeded."
        elif proto == "rest-xml":
            status, code, msg = 503, "SlowDown", "Please reduce your request rate."
        elif proto == "rest-json":
            status, code = 429, "TooManyRequestsException"
    elif kind == "error500":
        status, msg = 500, "We encountered an internal error. Please try again."
        code = "InternalFailure" if proto in ("json", "rest-json", "query") else "InternalError"
    else:
        status, code, msg = 503, "ServiceUnavailable", "Service is unavailable. Please retry."
    headers = [("x-amzn-RequestId", rid)]
    if retry_after_ms is not None:
        headers.append(("x-amz-retry-after", str(int(retry_after_ms))))
    if proto == "json":
        body = json.dumps({"__type": code, "message": msg}).encode()
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
    elif proto == "rest-json":
        body = json.dumps({"message": msg}).encode()
        headers += [("Content-Type", "application/json"), ("X-Amzn-ErrorType", code)]
    elif proto == "ec2":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code>"
                "<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
                % (code, msg, rid)).encode()
        headers.append(("Content-Type", "text/xml"))
    elif proto == "rest-xml":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
                "<RequestId>%s</RequestId></Error>" % (code, msg, rid)).encode()
        headers += [("Content-Type", "application/xml"), ("x-amz-request-id", rid)]
    else:
        body = ("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
                "<Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId>"
                "</ErrorResponse>" % ("Receiver" if status >= 500 else "Sender", code, msg, rid)).encode()
        headers.append(("Content-Type", "text/xml"))
    return status, headers, body


REASONS = {200: "OK", 400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    first = lines[0]
    headers = {}
    order = []
    for line in lines[1:]:
        if not line:
            continue
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
        order.append((k.strip(), v.strip()))
    return first, headers, order


async def read_body(reader, headers, until_close=False):
    if "content-length" in headers:
        n = int(headers["content-length"])
        return await reader.readexactly(n) if n else b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return out
            out += await reader.readexactly(size)
            await reader.readexactly(2)
    return await reader.read() if until_close else b""


class FaultProxy:
    def __init__(self, upstream, port=0, seed=None, **options):
        u = urllib.parse.urlsplit(upstream)
        self.up_host, self.up_port = u.hostname, u.port or 80
        self.port = port
        self.cfg = Config(**options)
        self.stats = new_stats()
        self.rng = random.Random(seed)
        self.loop = None
        self.server = None
        self.cache = {}
        self.transports = set()

    def choose(self):
        if self.cfg.fault_limit is not None:
            done = sum(self.stats[k] for k in ("throttle", "error500", "error503", "drop"))
            if done >= self.cfg.fault_limit:
                return None
        r = self.rng.random()
        for kind in ("throttle", "error500", "error503", "drop"):
            rate = getattr(self.cfg, kind)
            if r < rate:
                return kind
            r -= rate
        return None

    def control(self, method, path, body):
        if path == "/__proxy/stats":
            out = json.dumps(self.stats).encode()
        elif path == "/__proxy/config" and method == "POST":
            self.cfg.update(json.loads(body or b"{}"))
            out = b"{}"
        elif path == "/__proxy/reset" and method == "POST":
            self.stats = new_stats()
            out = b"{}"
        else:
            out = b"{}"
        return ("HTTP/1.1 200 OK", [("Content-Type", "application/json")], out)

    async def forward(self, first, order, body):
        reader, writer = await asyncio.open_connection(self.up_host, self.up_port)
        try:
            lines = [first]
            for k, v in order:
                if k.lower() in ("connection", "keep-alive", "proxy-connection"):
                    continue
                lines.append("%s: %s" % (k, v))
            lines.append("Connection: close")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            status_line, headers, rorder = await read_head(reader)
            method = first.split(" ")[0]
            rbody = b"" if method == "HEAD" else await read_body(reader, headers, until_close=True)
            return "HTTP/1.1 " + status_line.split(" ", 1)[1], rorder, rbody
        finally:
            writer.close()

    def decide(self, method, target, headers, body):
        """What to do with one request: ("reply", response) now, ("wait",
        response) after the latency, ("forward", None), or ("drop", None)."""
        if target.startswith("/__proxy/"):
            return "reply", self.control(method, target, body)
        m = SCOPE.search(headers.get("authorization", ""))
        service = m.group(1) if m else "unknown"
        op = "%s.%s" % (service, operation_of(service, headers, body, method + " " + target))
        st = self.stats
        st["requests"] += 1
        st["per_operation"][op] = st["per_operation"].get(op, 0) + 1
        kind = self.choose()
        if kind:
            st[kind] += 1
        if kind == "drop":
            return "drop", None
        if kind:
            status, rh, rbody = fault_response(kind, service, self.cfg.retry_after_ms)
            return "wait", ("HTTP/1.1 %d %s" % (status, REASONS.get(status, "Error")), rh, rbody)
        cached = self.cache.get((method, target, body)) if self.cfg.replay else None
        if cached:
            st["replayed"] += 1
            return "wait", cached
        return "forward", None

    def protocol(self):
        proxy = self

        class Conn(asyncio.Protocol):
            """One client connection: requests are parsed from the buffer
            and answered in order (curl does not pipeline, but a queue
            keeps the order if a client does)."""

            def connection_made(self, transport):
                proxy.stats["connections"] += 1
                proxy.transports.add(transport)
                self.t = transport
                self.buf = b""
                self.busy = False
                self.queue = []
                self.closed = False

            def connection_lost(self, exc):
                self.closed = True
                proxy.transports.discard(self.t)

            def data_received(self, data):
                self.buf += data
                while True:
                    i = self.buf.find(b"\r\n\r\n")
                    if i < 0:
                        return
                    head = self.buf[:i].decode("latin-1").split("\r\n")
                    headers, order = {}, []
                    for line in head[1:]:
                        k, _, v = line.partition(":")
                        k, v = k.strip(), v.strip()
                        headers[k.lower()] = v
                        order.append((k, v))
                    n = int(headers.get("content-length", "0") or 0)
                    if len(self.buf) < i + 4 + n:
                        return
                    body = self.buf[i + 4:i + 4 + n]
                    self.buf = self.buf[i + 4 + n:]
                    self.queue.append((head[0], headers, order, body))
                    self.pump()

            def pump(self):
                if self.busy or not self.queue or self.closed:
                    return
                self.busy = True
                first, headers, order, body = self.queue.pop(0)
                parts = first.split(" ")
                method, target = parts[0], parts[1] if len(parts) > 1 else "/"
                what, resp = proxy.decide(method, target, headers, body)
                lat = proxy.cfg.latency_ms / 1000.0 if not target.startswith("/__proxy/") else 0
                if what == "reply":
                    self.send(resp)
                elif what == "wait":
                    if lat:
                        asyncio.get_running_loop().call_later(lat, self.send, resp)
                    else:
                        self.send(resp)
                elif what == "drop":
                    if lat:
                        asyncio.get_running_loop().call_later(lat, self.t.abort)
                    else:
                        self.t.abort()
                else:
                    asyncio.ensure_future(self.fetch(first, order, body, method, target, lat))

            async def fetch(self, first, order, body, method, target, lat):
                if lat:
                    await asyncio.sleep(lat)
                try:
                    resp = await proxy.forward(first, order, body)
                except (OSError, asyncio.IncompleteReadError) as e:
                    # the client sees a dropped connection, as it would
                    proxy.stats["upstream_errors"] += 1
                    sys.stderr.write("faultproxy: upstream failed: %s\n" % e)
                    self.t.abort()
                    return
                proxy.stats["forwarded"] += 1
                if proxy.cfg.replay and resp[0].split(" ")[1].startswith("2"):
                    proxy.cache[(method, target, body)] = resp
                self.send(resp)

            def send(self, resp):
                if self.closed:
                    return
                status_line, rh, rbody = resp
                out = [status_line]
                for k, v in rh:
                    if k.lower() in ("connection", "content-length", "transfer-encoding", "keep-alive"):
                        continue
                    out.append("%s: %s" % (k, v))
                out.append("Content-Length: %d" % len(rbody))
                out.append("Connection: keep-alive")
                self.t.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + rbody)
                self.busy = False
                self.pump()

        return Conn

    async def serve(self, ready=None, sock=None):
        loop = asyncio.get_running_loop()
        if sock is not None:
            self.server = await loop.create_server(self.protocol(), sock=sock, backlog=1024)
        else:
            self.server = await loop.create_server(self.protocol(), "127.0.0.1", self.port,
                                                   backlog=1024)
        self.port = self.server.sockets[0].getsockname()[1]
        if ready:
            ready()
        async with self.server:
            await self.server.serve_forever()

    def start(self):
        """Runs in a daemon thread; returns once listening."""
        ev = threading.Event()

        def run():
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self._main = self.loop.create_task(self.serve(ev.set))
            try:
                self.loop.run_until_complete(self._main)
            except asyncio.CancelledError:
                pass

        t = threading.Thread(target=run, daemon=True)
        t.start()
        ev.wait(10)
        return self

    def stop(self):
        """Stops a proxy started with start(): closes the listener and
        every connection, and ends the thread."""
        if not (self.loop and self.server):
            return

        async def shutdown():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks()
                     if t is not asyncio.current_task() and t is not self._main]
            for tr in list(self.transports):
                tr.abort()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._main.cancel()

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self.loop)
        try:
            fut.result(10)
        except Exception:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=float, default=0)
    ap.add_argument("--throttle", type=float, default=0)
    ap.add_argument("--error500", type=float, default=0)
    ap.add_argument("--error503", type=float, default=0)
    ap.add_argument("--drop", type=float, default=0)
    ap.add_argument("--retry-after-ms", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--replay", action="store_true")
    ap.add_argument("--fault-limit", type=int, default=None)
    ap.add_argument("--workers", type=int, default=1,
                    help="processes sharing the port (SO_REUSEPORT); each has its own "
                         "counters and replay cache")
    a = ap.parse_args()
    p = FaultProxy(a.upstream, port=a.port, seed=a.seed, latency_ms=a.latency_ms,
                   throttle=a.throttle, error500=a.error500, error503=a.error503, drop=a.drop,
                   retry_after_ms=a.retry_after_ms, replay=a.replay, fault_limit=a.fault_limit)

    sock = None
    if a.workers > 1:
        import os
        import socket
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", a.port))
        sock.listen(1024)
        p.port = sock.getsockname()[1]
        for _ in range(a.workers - 1):
            if os.fork() == 0:
                p.rng = random.Random(None if a.seed is None else a.seed + os.getpid())
                break

    def ready():
        print("listening on %d" % p.port, flush=True)

    try:
        asyncio.run(p.serve(ready, sock))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
