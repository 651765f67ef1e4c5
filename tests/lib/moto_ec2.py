"""moto_ec2: a moto_server with cairn's EC2 test double (moto_ec2/double.py:
what moto's EC2 drops that AWS documents, and a test needs to see).

    class TestEc2(cairntest.CairnTestCase):
        @classmethod
        def setUpClass(cls):
            cls.moto = moto_ec2.MotoEc2()

MotoEc2 is cairntest.Moto (free loopback port, reset, stop) started with
moto_ec2/ first on PATH, so the harness's "moto_server" is the wrapper there,
which installs the double and runs moto's own server.
"""
import os

import cairntest

BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_ec2")


class MotoEc2(cairntest.Moto):
    def __init__(self, auth_after=None):
        saved = os.environ.get("PATH", "")
        os.environ["PATH"] = BIN + os.pathsep + saved
        try:
            super().__init__(auth_after)
        finally:
            os.environ["PATH"] = saved
