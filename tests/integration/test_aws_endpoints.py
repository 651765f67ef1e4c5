"""Where requests go: endpoint overrides in the SDKs' order
(AWS_ENDPOINT_URL_<SERVICE>, the profile's services section,
AWS_ENDPOINT_URL, the profile's endpoint_url), a custom endpoint's path
prefix, S3 path-style and virtual-hosted addressing, and the default AWS
endpoints, observed on loopback servers that record each request."""

import json
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import awsfixtures
import cairntest

LIST_XML = ("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>my-bucket</Name>"
            "<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>")


class Recorder:
    """Answers every request with a fixed body; records Host and path."""

    def __init__(self, body=LIST_XML, ctype="application/xml", tls=None):
        self.seen = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                outer.seen.append((self.command, self.headers.get("Host"), self.path))
                b = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            do_GET = do_POST = do_PUT = do_HEAD = handle_any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


LIST = "return require('cairn.aws').s3.ListObjectsV2{ Bucket = 'my-bucket' }.Name"
KMS = "return require('cairn.aws').kms.ListKeys{}"


class TestEndpoints(cairntest.CairnTestCase):
    needs_moto = False

    def recorder(self, **kw):
        r = Recorder(**kw)
        self.addCleanup(r.stop)
        return r

    def lua(self, script, **env):
        env.setdefault("AWS_ENDPOINT_URL", None)
        return awsfixtures.run_lua(self, script, env=env)

    def test_custom_endpoints_use_path_style(self):
        rec = self.recorder()
        r, out = self.lua(LIST, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % rec.port)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(out, "my-bucket")
        method, host, path = rec.seen[0]
        self.assertEqual(host, "127.0.0.1:%d" % rec.port)
        self.assertTrue(path.startswith("/my-bucket?list-type=2"), path)

    def test_virtual_hosted_style_on_request(self):
        rec = self.recorder()
        self.write(".aws/config", "[default]\ns3 =\n  addressing_style = virtual\n")
        r, out = self.lua(LIST, AWS_ENDPOINT_URL="http://localhost:%d" % rec.port)
        self.assertEqual(r.returncode, 0, r.stderr)
        method, host, path = rec.seen[0]
        self.assertEqual(host, "my-bucket.localhost:%d" % rec.port)
        self.assertTrue(path.startswith("/?list-type=2"), path)

    def test_endpoint_path_prefix(self):
        rec = self.recorder()
        r, out = self.lua(LIST, AWS_ENDPOINT_URL="http://127.0.0.1:%d/base/" % rec.port)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(rec.seen[0][2].startswith("/base/my-bucket?"), rec.seen[0][2])

    def test_override_precedence(self):
        general, s3only, fromfile, profile_wide = (self.recorder(), self.recorder(), self.recorder(),
                                                   self.recorder())
        self.write(".aws/config", "[default]\nservices = local\nendpoint_url = http://127.0.0.1:%d\n"
                   "[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:%d\n"
                   % (profile_wide.port, fromfile.port))
        # 1. AWS_ENDPOINT_URL_S3 beats everything
        self.lua(LIST, AWS_ENDPOINT_URL_S3="http://127.0.0.1:%d" % s3only.port,
                 AWS_ENDPOINT_URL="http://127.0.0.1:%d" % general.port)
        self.assertEqual((len(s3only.seen), len(fromfile.seen), len(general.seen)), (1, 0, 0))
        # 2. the services section beats AWS_ENDPOINT_URL
        self.lua(LIST, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % general.port)
        self.assertEqual((len(fromfile.seen), len(general.seen)), (1, 0))
        # 3. AWS_ENDPOINT_URL beats the profile's endpoint_url (kms has no services entry)
        kms = self.recorder(body="{\"Keys\": []}", ctype="application/x-amz-json-1.1")
        self.lua(KMS, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % kms.port)
        self.assertEqual(len(kms.seen), 1)
        # 4. the profile's endpoint_url, when nothing else is set
        self.lua(KMS)
        self.assertEqual(len(profile_wide.seen), 1)
        # and all of them can be switched off
        r, _ = self.lua(KMS, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true", AWS_MAX_ATTEMPTS="1",
                        CAIRN_AWS_TIMEOUT="5")
        self.assertIn("https://kms.us-east-1.amazonaws.com", r.stderr)
        self.assertEqual(len(profile_wide.seen), 1)

    def test_tls_is_verified_and_ca_bundle_honoured(self):
        cert, key = self.write("c.pem", ""), self.write("k.pem", "")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
        rec = self.recorder(body="{\"Keys\": []}", ctype="application/x-amz-json-1.1", tls=(cert, key))
        url = "https://127.0.0.1:%d" % rec.port
        # a certificate the system does not trust: refused, not retried
        r, _ = self.lua(KMS, AWS_ENDPOINT_URL=url)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ListKeys (kms): TLSError", r.stderr)
        self.assertEqual(rec.seen, [])
        # trusted through AWS_CA_BUNDLE, or the profile's ca_bundle
        r, out = self.lua(KMS, AWS_ENDPOINT_URL=url, AWS_CA_BUNDLE=cert)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.write(".aws/config", "[default]\nca_bundle = %s\n" % cert)
        r, out = self.lua(KMS, AWS_ENDPOINT_URL=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(rec.seen), 2)
        r, _ = self.lua(KMS, AWS_ENDPOINT_URL=url, AWS_CA_BUNDLE=self.tmp + "/missing.pem")
        self.assertIn("CA bundle %s/missing.pem (AWS_CA_BUNDLE or the profile's ca_bundle) cannot be read"
                      % self.tmp, r.stderr)

    def test_default_endpoints_are_https_on_amazonaws(self):
        for svc, op, region, host in [("kms", "ListKeys", "eu-west-1", "kms.eu-west-1.amazonaws.com"),
                                      ("iam", "ListUsers", "eu-west-1", "iam.amazonaws.com"),
                                      ("sagemaker", "ListModels", "us-west-2",
                                       "api.sagemaker.us-west-2.amazonaws.com"),
                                      ("kms", "ListKeys", "cn-north-1", "kms.cn-north-1.amazonaws.com.cn")]:
            r, _ = self.lua("return require('cairn.aws').%s.%s{}" % (svc, op), AWS_REGION=region,
                            AWS_MAX_ATTEMPTS="1", CAIRN_AWS_TIMEOUT="5")
            self.assertNotEqual(r.returncode, 0)
            # no network here: the failure names the endpoint it tried
            self.assertIn("%s (%s): ConnectionError" % (op, svc), r.stderr)
            self.assertIn("https://" + host, r.stderr)


if __name__ == "__main__":
    cairntest.main()
