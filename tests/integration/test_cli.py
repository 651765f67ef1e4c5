"""The command line itself: help, version, unknown commands and flags."""
import cairntest


class TestCli(cairntest.CairnTestCase):
    needs_moto = False

    def test_version(self):
        r = self.cairn_ok("version")
        self.assertRegex(r.stdout, r"^cairn \d+\.\d+\.\d+")

    def test_unknown_command_fails_with_usage(self):
        r = self.cairn("frobnicate")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown command 'frobnicate'", r.stderr)
        self.assertIn("commands:", r.stderr)

    def test_unknown_flag_names_the_command(self):
        r = self.cairn("version", "--bogus")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cairn version: unknown option '--bogus'", r.stderr)


if __name__ == "__main__":
    cairntest.main()
