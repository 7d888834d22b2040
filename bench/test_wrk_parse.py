"""Tests of bench/wrk_parse.py: python3 -m unittest discover -s bench -p 'test_*.py'."""

import unittest

from wrk_parse import WrkOutputError, parse

# Issue 15: on a loaded machine the Stdev column read 93.50%, and the old parser, which took
# the first `50%` anywhere, died on "Req/Sec".
LOADED = """Running 10s test @ http://127.0.0.1:39213/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms    1.02ms  21.44ms   93.50%
    Req/Sec    24.61k     1.90k   27.10k    50.00%
  Latency Distribution
     50%    2.41ms
     75%    2.77ms
     90%    3.21ms
     99%    7.10ms
  244833 requests in 10.00s, 36.19MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:  24481.93
Transfer/sec:      3.62MB
"""


class ParseTest(unittest.TestCase):
    def test_percentiles_come_from_the_latency_distribution(self):
        rps, p50, p99, errors, requests = parse(LOADED)
        self.assertEqual(rps, 24481.93)
        self.assertAlmostEqual(p50, 2.41)
        self.assertAlmostEqual(p99, 7.10)
        self.assertEqual(errors, 6)
        self.assertEqual(requests, 244833, "the count CPU per request divides by")

    def test_units(self):
        out = LOADED.replace("2.41ms", "812.00us").replace("7.10ms", "1.02s")
        _, p50, p99, _, _ = parse(out)
        self.assertAlmostEqual(p50, 0.812)
        self.assertAlmostEqual(p99, 1020.0)

    def test_missing_pieces_are_named(self):
        with self.assertRaisesRegex(WrkOutputError, "Latency Distribution"):
            parse(LOADED.replace("Latency Distribution", "Something else"))
        with self.assertRaisesRegex(WrkOutputError, "99%"):
            parse(LOADED.replace("     99%    7.10ms\n", ""))
        with self.assertRaisesRegex(WrkOutputError, "Requests/sec"):
            parse(LOADED.replace("Requests/sec", "Req"))
        with self.assertRaisesRegex(WrkOutputError, "request count"):
            parse(LOADED.replace(" requests in ", " reqs in "))


if __name__ == "__main__":
    unittest.main()
