"""Times the Python reference transform (../shared/bench/ref_transform.py) as invoke --repeat times ours.

Usage: python3 bench/refs/time_ref.py REF_DIR EVENT [N]
The reference's handler is loaded from its file (its own timing code is not run) and called N times (default
300) on the event in this fresh process, each call timed alone: json.loads of the request, the handler, and
json.dumps of its response, as the reference's own loop does. Prints
  warm-up MB/s X (requests 1-40)   and   steady MB/s Y (the last third: 201-300 of 300).
"""
import importlib.util
import json
import sys
import time

ref_dir, event = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
spec = importlib.util.spec_from_file_location("ref_transform", f"{ref_dir}/ref_transform.py")
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
raw = open(event, "rb").read()
times = []
for _ in range(n):
    t = time.perf_counter()
    json.dumps(ref.handler(json.loads(raw)))
    times.append(time.perf_counter() - t)
warm = min(40, n)
steady_from = n - (n + 2) // 3
print(f"warm-up MB/s {len(raw) * warm / sum(times[:warm]) / 1e6:.1f} (requests 1-{warm})")
print(f"steady MB/s {len(raw) * (n - steady_from) / sum(times[steady_from:]) / 1e6:.1f} (requests {steady_from + 1}-{n})")
