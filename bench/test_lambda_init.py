"""Tests of bench/lambda's init rule: python3 -m unittest discover -s bench -p 'test_*.py'."""

import importlib.machinery
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
loader = importlib.machinery.SourceFileLoader("bench_lambda", os.path.join(HERE, "lambda"))
spec = importlib.util.spec_from_loader("bench_lambda", loader)
bench_lambda = importlib.util.module_from_spec(spec)
loader.exec_module(bench_lambda)


class InitEnds(unittest.TestCase):
    def setUp(self):
        self.api = bench_lambda.RuntimeApi()

    def tearDown(self):
        self.api.close()

    def test_a_function_alone_at_its_runtimes_first_next(self):
        self.assertIsNone(self.api.init_done(False))
        self.api.runtime_next = 2.0
        self.assertEqual(self.api.init_done(False), 2.0)

    def test_a_function_that_registers_an_extension_when_both_have_asked(self):
        # Go lamux registers an extension from its function process: Lambda's init ends when
        # the runtime and every extension have called next.
        self.api.registered = 1.0
        self.api.runtime_next = 2.0
        self.assertIsNone(self.api.init_done(False), "the extension has not asked yet")
        self.api.extension_next = 3.5
        self.assertEqual(self.api.init_done(False), 3.5)
        self.api.extension_next = 1.5
        self.assertEqual(self.api.init_done(False), 2.0, "whichever came last")

    def test_an_extension_at_its_first_next(self):
        self.api.registered = 1.0
        self.assertIsNone(self.api.init_done(True))
        self.api.extension_next = 1.2
        self.assertEqual(self.api.init_done(True), 1.2)


if __name__ == "__main__":
    unittest.main()
