#!/usr/bin/env python3
"""The command line on a shared-memory domain (issue 16): the segment's mode and
who may attach, detaching on SIGINT/SIGTERM, raw frames, counters.

    python3 shm_cli_test.py path/to/alphapulse [unittest args, e.g. ShmPermissionTest]

Every test uses its own segment name (pid + test name), so tests run in
parallel never meet, and removes it (and its temporary directory) even when
it fails.
"""
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test  # noqa: E402  (the frame builders)

BINARY = None
SERVICES = None
SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "samples")
OTHER_USER = "alphapulse-test"
NOBODY = 65534
PROMPTLY_S = 5  # a stopped command must be gone within this


def wait_for(predicate, timeout_s, step_s=0.02):
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step_s)


def other_user():
    """(uid, gid) of OTHER_USER, created with useradd when missing (needs root)."""
    try:
        pw = pwd.getpwnam(OTHER_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run([useradd, "--system", "--no-create-home", OTHER_USER], capture_output=True, timeout=20)
        pw = pwd.getpwnam(OTHER_USER)
    return pw.pw_uid, pw.pw_gid


class ShmCase(unittest.TestCase):
    """A temporary directory, a deployment with one shared-memory domain on a
    segment of this test's own, and processes killed (whole group) at the end."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="alphapulse-shm-cli-")
        os.chmod(self.dir, 0o755)  # other users read the deployment
        self.segment = "alphapulse-test-%d-%s" % (os.getpid(), self._testMethodName[5:45])
        self.procs = []
        self.binary = BINARY

    def tearDown(self):
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait(timeout=10)
        for name in os.listdir("/dev/shm"):
            if name.startswith(self.segment):
                os.unlink(os.path.join("/dev/shm", name))
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def shm_path(self):
        return os.path.join("/dev/shm", self.segment)

    def deploy(self, domain="market_data", extra="", domains=None, tail=""):
        """One domain on self.segment, or several (`domains`), each on self.segment-<domain>."""
        text = "alphapulse:\n  runtime_dir: %s\n" % self.dir
        for d in domains or [domain]:
            text += "  %s:\n    transport: shared_memory\n    name: %s\n    size_mb: 1\n%s" % (
                d, self.segment_of(d, domains), extra)
        path = os.path.join(self.dir, "deploy.yaml")
        with open(path, "w") as f:
            f.write(text + tail)
        os.chmod(path, 0o644)
        return path

    def segment_of(self, domain, domains=None):
        return self.segment + "-" + domain if domains else self.segment

    def segments(self):
        """This test's segments now in /dev/shm."""
        return sorted(n for n in os.listdir("/dev/shm") if n.startswith(self.segment))

    def start(self, args, name, stdin=subprocess.DEVNULL, **kwargs):
        """A command in its own session (process group), output in files."""
        out = open(os.path.join(self.dir, name + ".out"), "wb")
        err = open(os.path.join(self.dir, name + ".err"), "wb")
        proc = subprocess.Popen([self.binary] + args, stdin=stdin, stdout=out, stderr=err, start_new_session=True,
                                **kwargs)
        out.close()
        err.close()
        proc.name = name
        self.procs.append(proc)
        return proc

    def output(self, proc, which="out"):
        with open(os.path.join(self.dir, "%s.%s" % (proc.name, which)), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def run_cli(self, args, data=b"", timeout=20, **kwargs):
        proc = subprocess.run([self.binary] + args, input=data, capture_output=True, timeout=timeout, **kwargs)
        return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")

    def attached(self, proc, timeout_s=10, count=1):
        """Whether `proc` maps `count` of this test's segments, within the time."""
        def maps():
            try:
                with open("/proc/%d/maps" % proc.pid) as f:
                    text = f.read()
            except OSError:
                return False
            return len({n for n in os.listdir("/dev/shm") if n.startswith(self.segment) and
                        "/dev/shm/%s\n" % n in text}) >= count
        return wait_for(maps, timeout_s)

    def segment_appears(self, timeout_s=10):
        return wait_for(lambda: os.path.exists(self.shm_path), timeout_s)

    def trade_json(self, sequence=1):
        rc, out, err = self.run_cli(["decode"], cli_test.trade(sequence=sequence))
        self.assertEqual(rc, 0, err)
        return out


class ShmPermissionTest(ShmCase):
    """socket_mode is the segment's exact mode; the group attaches, others are refused."""

    def test_segment_mode_is_exactly_socket_mode_under_umask_022(self):
        for mode in ("0660", "0666", "0600"):
            with self.subTest(mode=mode):
                config = self.deploy(extra='    socket_mode: "%s"\n' % mode)
                tap = self.start(["tap", "--domain", "market_data", "--config", config, "--count", "1"],
                                 "tap-" + mode, umask=0o022)
                self.assertTrue(self.segment_appears(), self.output(tap, "err"))
                self.assertEqual(oct(os.stat(self.shm_path).st_mode & 0o7777), oct(int(mode, 8)))
                rc, _, err = self.run_cli(["publish", "--domain", "market_data", "--config", config],
                                          self.trade_json())
                self.assertEqual(rc, 0, err)
                self.assertEqual(tap.wait(timeout=PROMPTLY_S), 0, self.output(tap, "err"))
                self.assertFalse(os.path.exists(self.shm_path), "the last one to detach removes it")

    def test_a_group_member_attaches_and_another_user_is_refused_clearly(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (to create the user '%s' and run processes as other users)" % OTHER_USER)
        uid, gid = other_user()
        # The binary where the other users can run it (the build tree may not be reachable).
        self.binary = os.path.join(self.dir, "alphapulse")
        shutil.copy(BINARY, self.binary)
        os.chmod(self.binary, 0o755)
        config = self.deploy(extra='    socket_mode: "0660"\n')
        owner = self.start(["tap", "--domain", "market_data", "--config", config, "--count", "2"], "owner",
                           user=uid, group=gid, extra_groups=[], umask=0o022)
        self.assertTrue(self.segment_appears(), self.output(owner, "err"))
        st = os.stat(self.shm_path)
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (uid, gid, 0o660))

        # Another user outside the segment's group: refused at once, saying whose the segment is.
        rc, _, err = self.run_cli(["publish", "--domain", "market_data", "--config", config, "--timeout-ms", "3000"],
                                  self.trade_json(), user=NOBODY, group=NOBODY, extra_groups=[])
        self.assertNotEqual(rc, 0, err)
        self.assertIn("permission denied", err)
        self.assertIn(self.shm_path, err)
        self.assertIn("gid %d" % gid, err)

        # Another user in the segment's group: attaches, and its frame arrives.
        member = self.start(["tap", "--domain", "market_data", "--config", config], "member",
                            user=NOBODY, group=gid, extra_groups=[])
        self.assertTrue(self.attached(member), self.output(member, "err"))
        rc, _, err = self.run_cli(["publish", "--domain", "market_data", "--config", config],
                                  self.trade_json(1), user=NOBODY, group=gid, extra_groups=[])
        self.assertEqual(rc, 0, err)
        # The owner detaches first (after its second frame), the member last (stopped).
        rc, _, err = self.run_cli(["publish", "--domain", "market_data", "--config", config], self.trade_json(2))
        self.assertEqual(rc, 0, err)
        self.assertEqual(owner.wait(timeout=10), 0, self.output(owner, "err"))
        self.assertEqual([o["header"]["sequence"] for o in cli_test.json_lines(self.output(owner))], [1, 2])
        self.assertTrue(wait_for(lambda: len(cli_test.json_lines(self.output(member))) == 2, 5),
                        self.output(member, "err"))
        member.send_signal(signal.SIGTERM)
        self.assertEqual(member.wait(timeout=PROMPTLY_S), 0, self.output(member, "err"))
        # The member may not remove the owner's file from the sticky /dev/shm: it empties it.
        self.assertTrue(not os.path.exists(self.shm_path) or os.stat(self.shm_path).st_size == 0,
                        "the last one to detach removes the segment, or empties it when it is not its own")


class ShmSignalTest(ShmCase):
    """Every command and service that attaches to a shared-memory bus detaches
    on SIGINT and SIGTERM: it exits promptly and, being the last one attached,
    leaves no segment behind."""

    ALL = ["market_data", "signals", "execution", "system"]

    def stop_and_check(self, proc, sig, expected_rc=0, segments=1):
        self.assertTrue(self.attached(proc, count=segments), "never attached: " + self.output(proc, "err"))
        self.assertEqual(len(self.segments()), segments, self.segments())
        proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=PROMPTLY_S)
        except subprocess.TimeoutExpired:
            self.fail("%s still running %d s after %s" % (proc.name, PROMPTLY_S, sig.name))
        self.assertEqual(rc, expected_rc, "%s after %s: %s" % (proc.name, sig.name, self.output(proc, "err")))
        self.assertEqual(self.segments(), [], "%s left its segment after %s" % (proc.name, sig.name))

    def each_signal(self, body):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name):
                body(sig)

    def test_tap(self):
        config = self.deploy()
        self.each_signal(lambda sig: self.stop_and_check(
            self.start(["tap", "--domain", "market_data", "--config", config], "tap-" + sig.name), sig))

    def test_publish_waiting_for_input(self):
        config = self.deploy()

        def body(sig):
            proc = self.start(["publish", "--domain", "market_data", "--config", config], "publish-" + sig.name,
                              stdin=subprocess.PIPE)
            proc.stdin.write(self.trade_json())  # attaches with its first frame; then the input stays open
            proc.stdin.flush()
            self.stop_and_check(proc, sig, expected_rc=3)
            self.assertIn("stopped by " + sig.name, self.output(proc, "err"))
            proc.stdin.close()
        self.each_signal(body)

    def test_top(self):
        config = self.deploy()
        self.each_signal(lambda sig: self.stop_and_check(
            self.start(["top", "--config", config], "top-" + sig.name), sig))

    def test_dashboard(self):
        config = self.deploy()
        self.each_signal(lambda sig: self.stop_and_check(
            self.start(["dashboard", "--config", config, "--port", "0"], "dashboard-" + sig.name), sig))

    def test_bridge(self):
        server = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.assertTrue(os.access(server, os.X_OK), "nats-server is needed (scripts/setup.sh installs it)")
        port = free_port()
        nats = subprocess.Popen([server, "-a", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        nats.name = "nats-server"
        self.procs.append(nats)
        tail = "  bridge:\n    domains: [market_data]\n    nats:\n      servers: [nats://127.0.0.1:%d]\n" % port
        config = self.deploy(tail=tail)
        self.each_signal(lambda sig: self.stop_and_check(
            self.start(["bridge", "--config", config], "bridge-" + sig.name), sig))

    def service(self, name, args, domains):
        config = self.deploy(domains=self.ALL)
        program = os.path.join(SERVICES, "alphapulse-" + name)
        self.assertTrue(os.access(program, os.X_OK), program)

        def body(sig):
            with open(os.path.join(self.dir, name + "-" + sig.name + ".err"), "wb") as err:
                proc = subprocess.Popen([program, "--config", config] + args, stdout=subprocess.DEVNULL, stderr=err,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
            proc.name = name + "-" + sig.name
            self.procs.append(proc)
            self.stop_and_check(proc, sig, segments=domains)
        self.each_signal(body)

    def test_service_collector(self):
        self.service("collector", ["--data", SAMPLES, "--loop"], 1)

    def test_service_arbitrage(self):
        self.service("arbitrage", [], 2)

    def test_service_risk(self):
        self.service("risk", ["--drain-s", "1"], 3)

    def test_service_execution_sim(self):
        self.service("execution-sim", [], 2)


class ShmRawTest(ShmCase):
    """publish --raw: frames sent as they are; a shared-memory domain's refusals reported, exit 3."""

    def order_frame(self, sequence=1):
        rc, out, err = self.run_cli(["encode"], cli_test.order(sequence).encode())
        self.assertEqual(rc, 0, err)
        return out

    def test_a_bad_checksum_frame_is_refused_on_execution_and_publish_says_so(self):
        config = self.deploy(domain="execution")
        tap = self.start(["tap", "--domain", "execution", "--config", config, "--count", "1"], "tap")
        self.assertTrue(self.attached(tap), self.output(tap, "err"))
        bad = bytearray(self.order_frame(1))
        bad[40] ^= 0xFF  # a payload byte: the checksum no longer matches
        rc, _, err = self.run_cli(["publish", "--raw", "--domain", "execution", "--config", config], bytes(bad))
        self.assertEqual(rc, 3, err)
        self.assertIn("bad_checksum (error 5) for OrderRequest sequence 1", err)
        self.assertIn(self.segment, err)
        # Nothing of it reached the reader: the next good frame is the first it gets.
        rc, _, err = self.run_cli(["publish", "--raw", "--domain", "execution", "--config", config],
                                  self.order_frame(1))
        self.assertEqual(rc, 0, err)
        self.assertEqual(tap.wait(timeout=10), 0, self.output(tap, "err"))
        (got,) = cli_test.json_lines(self.output(tap))
        self.assertEqual((got["header"]["message_type_name"], got["header"]["sequence"]), ("OrderRequest", 1))

    def test_raw_frames_keep_their_checksum(self):
        # Market data does not validate checksums: a corrupt frame passes, untouched (tap then sees it corrupt).
        config = self.deploy()
        tap = self.start(["tap", "--domain", "market_data", "--config", config, "--count", "1"], "tap")
        self.assertTrue(self.attached(tap), self.output(tap, "err"))
        bad = bytearray(cli_test.trade(sequence=7))
        bad[20] ^= 0x01
        rc, _, err = self.run_cli(["publish", "--raw", "--domain", "market_data", "--config", config], bytes(bad))
        self.assertEqual(rc, 0, err)
        self.assertEqual(tap.wait(timeout=10), 0, self.output(tap, "err"))
        self.assertEqual(cli_test.json_lines(self.output(tap, "err"))[0]["error"], "bad_checksum")

    def test_a_truncated_or_garbage_stream_is_an_error_naming_the_byte_offset(self):
        config = self.deploy()
        good = cli_test.trade(sequence=1)
        cases = [(good[:10], "truncated", 0), (good + good[:40], "truncated", len(good)),
                 (good + b"garbage, not a frame at all.............", "bad_magic", len(good))]
        for data, error, offset in cases:
            with self.subTest(error=error, offset=offset, size=len(data)):
                rc, _, err = self.run_cli(["publish", "--raw", "--domain", "market_data", "--config", config], data)
                self.assertEqual(rc, 1, err)
                report = cli_test.json_lines(err)[0]
                self.assertEqual((report["error"], report["offset"]), (error, offset), err)
                self.assertIn("byte %d" % offset if error == "truncated" else "nothing from there on", report["message"])
        self.assertEqual(self.segments(), [])


class ShmStatsTest(ShmCase):
    """stats, top: a shared-memory domain's counters, read from its segment in a relay's shape."""

    def stats(self, config, domain, prometheus=False):
        rc, out, err = self.run_cli(["stats", "--domain", domain, "--config", config] +
                                    (["--prometheus"] if prometheus else []))
        self.assertEqual(rc, 0, err)
        return out.decode() if prometheus else json.loads(out)

    def stop_when_idle(self, proc, config, domain):
        """SIGSTOP `proc` once it is in the endpoint table and asleep waiting for frames: stopped
        in the middle of attaching, it would hold the segment's attach lock and block everyone."""
        def idle():
            with open("/proc/%d/wchan" % proc.pid) as f:
                waiting = f.read().startswith("futex")
            rc, out, _ = self.run_cli(["stats", "--domain", domain, "--config", config])
            return waiting and rc == 0 and any(c["pid"] == proc.pid for c in json.loads(out)["clients"])
        self.assertTrue(wait_for(idle, 10), self.output(proc, "err"))
        proc.send_signal(signal.SIGSTOP)

    def frames(self, lines):
        rc, out, err = self.run_cli(["encode"], "".join(lines).encode(), timeout=60)
        self.assertEqual(rc, 0, err)
        return out

    def test_drops_clients_and_prometheus_as_a_relay_gives_them(self):
        config = self.deploy(domain="execution")
        tap = self.start(["tap", "--domain", "execution", "--config", config], "tap")
        self.assertTrue(self.attached(tap), self.output(tap, "err"))
        good = self.frames([cli_test.order(1)])
        bad = bytearray(good)
        bad[40] ^= 0xFF
        for data, rc_wanted in ((bytes(bad), 3), (good, 0)):
            rc, _, err = self.run_cli(["publish", "--raw", "--domain", "execution", "--config", config], data)
            self.assertEqual(rc, rc_wanted, err)
        self.assertTrue(wait_for(lambda: len(cli_test.json_lines(self.output(tap))) == 1, 10))
        s = self.stats(config, "execution")
        for key in ("domain", "socket", "frames_in", "frames_out", "connections_accepted", "drops", "clients"):
            self.assertIn(key, s)
        self.assertEqual((s["domain"], s["socket"], s["transport"]), ("execution", "shm:" + self.shm_path,
                                                                      "shared_memory"))
        self.assertEqual(s["drops"]["bad_checksum"], 1, s)
        self.assertEqual((s["frames_in"], s["frames_out"]), (1, 1), s)
        self.assertEqual(s["connections_accepted"], 3, "tap and two publishes: %s" % s)
        (client,) = s["clients"]  # the publishes detached
        self.assertEqual((client["pid"], client["name"], client["frames_out"], client["lag_bytes"]),
                         (tap.pid, "tap", 1, 0), client)
        self.assertEqual(client["position"], s["shm"]["published_bytes"], s)
        text = self.stats(config, "execution", prometheus=True)
        self.assertIn('alphapulse_relay_drops_total{domain="execution",reason="bad_checksum"} 1', text)
        self.assertIn('alphapulse_relay_clients{domain="execution"} 1', text)
        # top shows the same counters in its relay columns.
        rc, out, err = self.run_cli(["top", "--config", config, "--once", "--interval", "700"])
        self.assertEqual(rc, 0, err)
        (row,) = [line for line in out.decode().splitlines() if line.startswith("execution")]
        self.assertEqual(row.split()[-3:], ["1", "1", "1"], "RELAY_IN RELAY_OUT DROPS: " + row)

    def test_a_lapped_reader_counts_as_queue_full(self):
        # Market data (drop): a stopped reader is lapped; what it missed is its drops.
        config = self.deploy()
        tap = self.start(["tap", "--domain", "market_data", "--config", config], "tap")
        self.stop_when_idle(tap, config, "market_data")
        trades = b"".join(cli_test.trade(sequence=n) for n in range(1, 20001))  # 1.6 MB through a 1 MiB ring
        rc, _, err = self.run_cli(["publish", "--raw", "--domain", "market_data", "--config", config], trades)
        self.assertEqual(rc, 0, err)
        tap.send_signal(signal.SIGCONT)
        self.assertTrue(wait_for(lambda: self.stats(config, "market_data")["shm"]["laps"] == 1, 10),
                        self.stats(config, "market_data"))
        # A lapped reader jumps to the newest record; the next record's frame index says what it missed.
        rc, _, err = self.run_cli(["publish", "--raw", "--domain", "market_data", "--config", config],
                                  cli_test.trade(sequence=20001))
        self.assertEqual(rc, 0, err)

        def lapped():
            s = self.stats(config, "market_data")
            return s["drops"]["queue_full"] > 0 and s["clients"][0]["dropped"] == s["drops"]["queue_full"]
        self.assertTrue(wait_for(lapped, 10), self.stats(config, "market_data"))
        s = self.stats(config, "market_data")
        self.assertEqual(s["frames_in"], 20001, s)
        self.assertEqual(s["frames_in"], s["frames_out"] + s["drops"]["queue_full"], "received + missed = sent: %s" % s)

    def test_an_evicted_reader_counts_as_slow_consumer(self):
        config = self.deploy(domain="execution", extra="    slow_consumer_timeout_ms: 200\n")
        tap = self.start(["tap", "--domain", "execution", "--config", config], "tap")
        self.stop_when_idle(tap, config, "execution")
        orders = self.frames([cli_test.order(n) for n in range(1, 15001)])  # 1.7 MB: more than the 1 MiB ring
        rc, _, err = self.run_cli(["publish", "--raw", "--domain", "execution", "--config", config], orders)
        self.assertEqual(rc, 0, err)
        # Read while the stopped tap still holds the segment: once it runs, it sees its eviction,
        # detaches (the last one: the segment and its counters go) and attaches anew.
        s = self.stats(config, "execution")
        tap.send_signal(signal.SIGCONT)
        self.assertEqual((s["drops"]["slow_consumer"], s["shm"]["readers_evicted"], s["frames_in"]), (1, 1, 15000), s)
        self.assertEqual(s["clients"], [], "the evicted reader is no longer listed: %s" % s)

    def test_no_segment_is_a_clear_error(self):
        config = self.deploy()
        rc, _, err = self.run_cli(["stats", "--domain", "market_data", "--config", config])
        self.assertEqual(rc, 1, err)
        self.assertIn("no segment " + self.shm_path, err)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    SERVICES = os.path.dirname(BINARY)  # the services' programs are built beside alphapulse
    cli_test.BINARY = BINARY
    unittest.main(argv=sys.argv, verbosity=1)
