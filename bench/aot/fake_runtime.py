"""A fake Lambda Runtime API that starts a bootstrap and measures it (issue 25: AOT beside the managed build).

Usage: python3 bench/aot/fake_runtime.py EVENT REQUESTS [--memory MB] -- COMMAND...
Serves EVENT (a Firehose transformation request) REQUESTS times on GET /2018-06-01/runtime/invocation/next to the
COMMAND it starts with AWS_LAMBDA_RUNTIME_API set, takes each POST .../response (or .../error), and prints:
  first response N ms after process start; first 40 requests X MB/s; steady (last third) Y MB/s; peak RSS Z MB
and the duration Lambda would bill for this one execution environment, measured here: the init phase (process
start to its first GET .../next; billed since 2025-08-01) plus each invocation (event handed over to response
received), each rounded up to the millisecond; as GB-seconds at --memory MB (1024, the template's default), and
per million change records. The process is killed once the last response is in.
"""
import math
import http.server
import os
import socketserver
import subprocess
import sys
import threading
import time

event_path, count = sys.argv[1], int(sys.argv[2])
options = sys.argv[3:sys.argv.index("--")]
memory_mb = int(options[options.index("--memory") + 1]) if "--memory" in options else 1024
command = sys.argv[sys.argv.index("--") + 1:]
event = open(event_path, "rb").read()
changes = event.count(b'"recordId"')
first_next = [0.0]
served, done = [0], threading.Event()
times, errors = [], []
started = [0.0]
lock = threading.Lock()
next_sent = {}


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock:
            n = served[0]
            served[0] += 1
            if n == 0:
                first_next[0] = time.perf_counter()
        if n >= count:
            done.wait()
            return
        rid = f"req-{n}"
        next_sent[rid] = time.perf_counter()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", rid)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 300000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-bench")
        self.send_header("Content-Length", str(len(event)))
        self.end_headers()
        self.wfile.write(event)

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            errors.append(b"a chunked body: this fake reads Content-Length bodies only")
            done.set()
            return
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.endswith("/init/error"):
            errors.append(b"init error: " + body[:300])
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            done.set()
            return
        rid = self.path.split("/")[-2]
        now = time.perf_counter()
        with lock:
            times.append((rid, now - next_sent[rid], now))
            if self.path.endswith("/error"):
                errors.append(body[:200])
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if len(times) >= count:
            done.set()


def peak_rss_kb(pid):
    """The process's peak resident set (VmHWM), or 0 once it has ended."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Api)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
started[0] = time.perf_counter()
process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
peak = 0
while not done.wait(0.02) and process.poll() is None:
    peak = max(peak, peak_rss_kb(process.pid))
peak = max(peak, peak_rss_kb(process.pid))
process.kill()
if errors or len(times) < count:
    sys.exit(f"the bootstrap answered {len(times)} of {count} requests, {len(errors)} as errors: {errors[:1]}")
times.sort(key=lambda t: t[2])
first = (times[0][2] - started[0]) * 1000
warm = [t[1] for t in times[:40]]
steady = [t[1] for t in times[count - (count + 2) // 3:]]
mb = len(event) / 1e6
print(f"first response {first:.0f} ms after process start; first 40 requests {mb * len(warm) / sum(warm):.1f} MB/s; "
      f"steady (last third) {mb * len(steady) / sum(steady):.1f} MB/s; peak RSS {peak / 1024:.0f} MB")
init_ms = math.ceil((first_next[0] - started[0]) * 1000)
invoke_ms = sum(math.ceil(t[1] * 1000) for t in times)
gb_s = (init_ms + invoke_ms) / 1000 * memory_mb / 1024
per_million = (invoke_ms / count * math.ceil(1e6 / changes) + init_ms) / 1000 * memory_mb / 1024
print(f"billed: init {init_ms} ms + {count} invocations {invoke_ms} ms = {gb_s:.2f} GB-s at {memory_mb} MB; "
      f"a million changes ({math.ceil(1e6 / changes)} requests of {changes}, one environment) {per_million:.2f} GB-s")
