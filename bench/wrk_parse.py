"""wrk's summary -> "rps p50_ms p99_ms errors requests", for bench/run.

Percentiles are read only from the `Latency Distribution` block: the `Thread Stats` table
above it has a `+/- Stdev` column (`93.50%`) that a search for the first `50%` anywhere
would match.

Usage: python3 bench/wrk_parse.py "$(wrk --latency ...)"
"""

import re
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}


class WrkOutputError(ValueError):
    pass


def ms(text, out):
    """A wrk latency (`812.00us`, `1.20ms`, `2.00s`) in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not found:
        raise WrkOutputError(f"wrk printed a latency lamux's bench cannot read: {text!r}:\n{out}")
    value, unit = found.groups()
    return float(value) * UNITS[unit]


def percentiles(out):
    """{"50": "1.20ms", ...} from the lines under `Latency Distribution`."""
    lines = out.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().startswith("Latency Distribution"))
    except StopIteration:
        raise WrkOutputError(f"wrk printed no Latency Distribution (run it with --latency):\n{out}") from None
    found = {}
    for line in lines[start + 1 :]:
        match = re.fullmatch(r"\s*(\d+)%\s+(\S+)\s*", line)
        if not match:
            break
        found[match.group(1)] = match.group(2)
    return found


def parse(out):
    """(requests/s, p50 ms, p99 ms, errors, requests) from wrk's output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rps:
        raise WrkOutputError(f"wrk printed no Requests/sec:\n{out}")
    total = re.search(r"(\d+) requests in ", out)
    if not total:
        raise WrkOutputError(f"wrk printed no request count:\n{out}")
    table = percentiles(out)
    for wanted in ("50", "99"):
        if wanted not in table:
            raise WrkOutputError(f"wrk printed no {wanted}% latency:\n{out}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sockets:
        errors += sum(int(g) for g in sockets.groups())
    return float(rps.group(1)), ms(table["50"], out), ms(table["99"], out), errors, int(total.group(1))


if __name__ == "__main__":
    try:
        rps, p50, p99, errors, requests = parse(sys.argv[1])
    except WrkOutputError as err:
        sys.exit(str(err))
    print(f"{rps:.0f} {p50:.3f} {p99:.3f} {errors} {requests}")
