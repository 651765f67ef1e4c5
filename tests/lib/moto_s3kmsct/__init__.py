"""moto_s3kmsct: start the test double in this directory (moto_server with
the S3, KMS and CloudTrail behaviour moto 5 lacks or gets wrong; the file
moto_server says which) instead of moto's own, with cairntest's ordinary
harness:

    class TestS3(cairntest.CairnTestCase):
        @classmethod
        def setUpClass(cls):
            with moto_s3kmsct.installed():
                super().setUpClass()

cairntest.Moto runs "moto_server" from PATH; installed() puts this
directory first on PATH while the server starts. The patches are also
importable (moto_s3kmsct.patches.apply()) for a server that combines
several test doubles."""
import contextlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))


@contextlib.contextmanager
def installed():
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = HERE + os.pathsep + old
    try:
        yield
    finally:
        os.environ["PATH"] = old
