"""Retries, timeouts, connection failures and concurrency, through the
fault-injecting proxy (tests/proxy/faultproxy.py) in front of moto: the
standard retry mode's attempts, its 500-token quota, Retry-After, every
protocol's throttling errors, dropped connections, per-attempt timeouts,
and many requests in flight over reused connections."""

import time

import awsfixtures
import cairntest

# N calls of service.operation by W tasks; returns counts and some errors
CALLS = """
local aws = require "cairn.aws"
local service, op, n, w = ...
n, w = tonumber(n), tonumber(w)
local res = { ok = 0, failed = 0, errors = {} }
local next_call, running = 0, w
local function worker()
  while next_call < n do
    next_call = next_call + 1
    local ok, e = pcall(aws.call, service, op, {})
    if ok then res.ok = res.ok + 1 else
      res.failed = res.failed + 1
      if #res.errors < 3 then res.errors[#res.errors + 1] = tostring(e) end
    end
  end
  running = running - 1
end
for i = 1, w do spawn(worker) end
while running > 0 do aws.sleep(0.02) end
return res
"""


class TestRetries(cairntest.CairnTestCase):
    def setUp(self):
        super().setUp()
        self.proxy = awsfixtures.proxy(self.moto.url, seed=7)
        self.addCleanup(self.proxy.stop)
        self.purl = "http://127.0.0.1:%d" % self.proxy.port

    def calls(self, service, op, n, w, **env):
        e = {"AWS_ENDPOINT_URL": self.purl}
        e.update(env)
        r, out = awsfixtures.run_lua(self, CALLS, service, op, str(n), str(w), env=e)
        return r, out

    def test_30_percent_throttling_1000_calls_all_succeed(self):
        self.proxy.cfg.throttle = 0.3
        r, out = self.calls("kms", "ListKeys", 1000, 64, AWS_MAX_ATTEMPTS="10", CAIRN_AWS_TIMEOUT="15")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(out["ok"], 1000, out["errors"])
        st = self.proxy.stats
        self.assertGreater(st["throttle"], 200)
        # every call reached moto once it was let through (a busy moto can
        # also be slow or drop a connection, which the client retries)
        self.assertGreaterEqual(st["forwarded"], 1000)

    def test_every_protocols_throttling_error_is_retried(self):
        # the first attempt of each of 4 parallel calls is throttled
        self.proxy.cfg.throttle = 1.0
        for svc, op, code in [("kms", "ListKeys", "ThrottlingException"),
                              ("dynamodb", "ListTables", "ThrottlingException"),
                              ("iam", "ListUsers", "Throttling"),
                              ("ec2", "DescribeVpcs", "RequestLimitExceeded"),
                              ("s3", "ListBuckets", "SlowDown"),
                              ("lambda", "ListFunctions", "TooManyRequestsException")]:
            with self.subTest(service=svc):
                self.proxy.stats = faultproxy_new_stats()
                self.proxy.cfg.fault_limit = 4
                r, out = self.calls(svc, op, 4, 4, CAIRN_LOG="debug")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(out["ok"], 4, out["errors"])
                self.assertEqual(self.proxy.stats["throttle"], 4)
                self.assertIn("%s.%s" % (svc, op), r.stderr)
                self.assertIn(": %s, retrying in" % code, r.stderr)

    def test_all_503_fails_after_exactly_the_configured_attempts(self):
        self.proxy.cfg.error503 = 1.0
        for attempts, env in [(4, {"AWS_MAX_ATTEMPTS": "4"}), (3, {})]:
            self.proxy.stats = faultproxy_new_stats()
            r, out = self.calls("kms", "ListKeys", 1, 1, CAIRN_LOG="debug", **env)
            self.assertEqual(out["failed"], 1)
            self.assertEqual(self.proxy.stats["requests"], attempts)
            err = out["errors"][0]
            self.assertIn("ListKeys (kms): ServiceUnavailable", err)
            self.assertIn("HTTP 503", err)
            self.assertIn("after %d attempts" % attempts, err)
            self.assertIn("attempt %d/%d" % (attempts, attempts), r.stderr)
            self.assertIn("max attempts reached", r.stderr)

    def test_max_attempts_from_the_profile(self):
        self.proxy.cfg.error503 = 1.0
        self.write(".aws/config", "[default]\nmax_attempts = 2\n")
        r, out = self.calls("kms", "ListKeys", 1, 1)
        self.assertEqual(self.proxy.stats["requests"], 2)
        self.assertIn("after 2 attempts", out["errors"][0])

    def test_quota_stops_retries_when_drained(self):
        # 200 calls that always fail with 503, 3 attempts each: without a
        # quota 600 requests; the 500-token bucket pays for exactly 100
        # retries (5 tokens each), so 300, and the rest fail at once.
        self.proxy.cfg.error503 = 1.0
        r, out = self.calls("kms", "ListKeys", 200, 64, CAIRN_LOG="debug")
        self.assertEqual(out["failed"], 200)
        self.assertEqual(self.proxy.stats["requests"], 300)
        self.assertIn("retry quota exhausted", r.stderr)

    def test_dropped_connections_are_retried(self):
        self.proxy.cfg.drop = 0.3
        r, out = self.calls("kms", "ListKeys", 100, 8, AWS_MAX_ATTEMPTS="10", CAIRN_LOG="debug")
        self.assertEqual(out["ok"], 100, out["errors"])
        self.assertGreater(self.proxy.stats["drop"], 10)
        self.assertIn("ConnectionError, retrying in", r.stderr)

    def test_retry_after_is_honoured(self):
        self.proxy.cfg.throttle = 1.0
        self.proxy.cfg.retry_after_ms = 1500
        t0 = time.time()
        r, out = self.calls("kms", "ListKeys", 1, 1, AWS_MAX_ATTEMPTS="2")
        elapsed = time.time() - t0
        self.assertEqual(out["failed"], 1)
        self.assertEqual(self.proxy.stats["requests"], 2)
        # without the hint the wait would be at most 1 s
        self.assertGreaterEqual(elapsed, 1.5)

    def test_attempts_time_out(self):
        self.proxy.cfg.latency_ms = 3000
        t0 = time.time()
        r, out = self.calls("kms", "ListKeys", 1, 1, AWS_MAX_ATTEMPTS="2", CAIRN_AWS_TIMEOUT="0.3")
        elapsed = time.time() - t0
        self.assertEqual(out["failed"], 1)
        err = out["errors"][0]
        self.assertIn("ListKeys (kms): Timeout: no answer in time from %s" % self.purl, err)
        self.assertIn("after 2 attempts", err)
        self.assertLess(elapsed, 2.9)

    def test_connection_refused_names_the_endpoint(self):
        port = cairntest.free_port()
        r, out = awsfixtures.run_lua(self, CALLS, "kms", "ListKeys", "1", "1",
                                     env={"AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port,
                                          "AWS_MAX_ATTEMPTS": "2"})
        err = out["errors"][0]
        self.assertIn("ListKeys (kms): ConnectionError: could not connect to http://127.0.0.1:%d" % port, err)
        self.assertIn("after 2 attempts", err)

    def test_plain_http_only_to_loopback(self):
        r, out = awsfixtures.run_lua(self, CALLS, "kms", "ListKeys", "1", "1",
                                     env={"AWS_ENDPOINT_URL": "http://10.0.0.1:5000"})
        self.assertIn("AWS_ENDPOINT_URL: 'http://10.0.0.1:5000': plain http is only allowed to a loopback "
                      "address", out["errors"][0])
        r, out = awsfixtures.run_lua(self, CALLS, "kms", "ListKeys", "1", "1",
                                     env={"AWS_ENDPOINT_URL_KMS": "http://example.com"})
        self.assertIn("AWS_ENDPOINT_URL_KMS: 'http://example.com'", out["errors"][0])

    def test_requests_overlap_and_connections_are_reused(self):
        self.proxy.cfg.latency_ms = 300
        t0 = time.time()
        r, out = self.calls("kms", "ListKeys", 64, 64)
        elapsed = time.time() - t0
        self.assertEqual(out["ok"], 64, out["errors"])
        self.assertLess(elapsed, 4.0)  # one after the other: over 19 s
        # hundreds in flight in one thread
        self.proxy.cfg.latency_ms = 1000
        self.proxy.cfg.replay = True
        self.calls("kms", "ListKeys", 1, 1)  # moto answers once; the proxy replays
        t0 = time.time()
        r, out = self.calls("kms", "ListKeys", 250, 250)
        elapsed = time.time() - t0
        self.assertEqual(out["ok"], 250, out["errors"])
        self.assertLess(elapsed, 8.0)  # one after the other: over 4 minutes
        self.proxy.cfg.latency_ms = 0
        self.proxy.cfg.replay = False
        self.proxy.stats = faultproxy_new_stats()
        r, out = self.calls("kms", "ListKeys", 200, 8)
        self.assertEqual(out["ok"], 200)
        self.assertLessEqual(self.proxy.stats["connections"], 12)


def faultproxy_new_stats():
    return awsfixtures.faultproxy.new_stats()


if __name__ == "__main__":
    cairntest.main()
