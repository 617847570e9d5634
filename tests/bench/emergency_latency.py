"""Benchmark (run on demand, prints figures, asserts nothing):
emergency latency from a PEI record written by the peer to the alert received
by a ZeroMQ subscriber, beside baselines measured in the same run with the same
Python client code: a bare loopback TCP write->read, and a bare ZeroMQ
PUB->SUB hop. The gateway's own cost is roughly the difference.

    meson test -C build --benchmark --verbose
"""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import zmq  # noqa: E402

import harness  # noqa: E402

N = int(os.environ.get("HF_BENCH_N", "2000"))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def row(name, xs):
    us = [x / 1000 for x in xs]
    print("%-34s %8.0f %8.0f %8.0f %8.0f" % (name, pct(us, 50), pct(us, 99), max(us), len(xs)))


def bench_tcp():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.create_connection(srv.getsockname())
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s, _ = srv.accept()
    rec = harness.rec_status(2001001, 0).encode()
    out = []
    for _ in range(N):
        t0 = time.perf_counter_ns()
        c.sendall(rec)
        got = 0
        while got < len(rec):
            got += len(s.recv(4096))
        out.append(time.perf_counter_ns() - t0)
        time.sleep(0.0005)
    for x in (c, s, srv):
        x.close()
    return out


def bench_zmq():
    ctx = zmq.Context.instance()
    ep = "tcp://127.0.0.1:%d" % harness.free_port()
    pub = ctx.socket(zmq.PUB)
    pub.bind(ep)
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(ep)
    time.sleep(0.3)
    payload = b"x" * 200
    out = []
    for _ in range(N):
        t0 = time.perf_counter_ns()
        pub.send_multipart([b"alert.central.critical", payload])
        sub.recv_multipart()
        out.append(time.perf_counter_ns() - t0)
        time.sleep(0.0005)
    pub.close(0)
    sub.close(0)
    return out


def bench_gateway():
    tmp = tempfile.mkdtemp(prefix="hf-bench-")
    peer = harness.PeiPeer()
    config, ep = harness.write_config(tmp, peer.port, heartbeat_ms=10000)
    with open(config) as f:
        text = f.read().replace("log_level: debug", "log_level: warn")
    with open(config, "w") as f:
        f.write(text)
    gw = harness.Gateway(config, ep, os.path.join(tmp, "handoffd.log")).wait_ready()
    sub = harness.Subscriber(ep["publish"], ("alert.",))
    peer.accept()
    peer.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    time.sleep(0.5)
    out = []
    try:
        for i in range(N):
            rec = harness.rec_status(3000000 + i, 0).encode()  # a new incident each
            t0 = time.perf_counter_ns()
            peer.send(rec)
            if not sub.s.poll(5000):
                raise SystemExit("no alert for record %d" % i)
            sub.s.recv_multipart()
            out.append(time.perf_counter_ns() - t0)
            time.sleep(0.0005)
    finally:
        sub.close()
        peer.close()
        gw.stop()
    return out


def main():
    print("emergency latency, %d samples each, microseconds (one process sends and receives)" % N)
    print("%-34s %8s %8s %8s %8s" % ("path", "p50", "p99", "max", "n"))
    row("baseline: loopback TCP write->read", bench_tcp())
    row("baseline: ZeroMQ PUB->SUB", bench_zmq())
    row("gateway: PEI record -> alert", bench_gateway())


if __name__ == "__main__":
    main()
