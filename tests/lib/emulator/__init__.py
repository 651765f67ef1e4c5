"""emulator: start the test double in this directory (moto_server with the
IAM operations moto 5 lacks; see the file moto_server) instead of moto's
own, with cairntest's ordinary harness:

    class TestIam(cairntest.CairnTestCase):
        @classmethod
        def setUpClass(cls):
            with emulator.installed():
                super().setUpClass()

cairntest.Moto runs "moto_server" from PATH; installed() puts this
directory first on PATH while the server starts."""
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
