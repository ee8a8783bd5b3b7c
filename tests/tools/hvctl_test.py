#!/usr/bin/python3
"""Host tests of tools/hvctl against a fake console: a Unix-socket server that speaks like
Samepage's shell (echo, prompt, "@<tag> {json}" replies, guest lines in between) or misbehaves
(closes, stays silent, answers garbage). Also checks that `plot` writes a valid PNG."""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

HVCTL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "hvctl")

MEM = {"frames": {"managed": 120000, "free": 100000, "hypervisor": 15904, "shared": 0, "vms": 4096,
                  "reserved": 10, "min_free": 7000, "pressure": "high", "metadata_bytes": 5}}
VMS = {"vms": [{"id": 1, "name": "echo", "state": "running", "memory_mib": 16, "exits": 1000, "by_kind": {}}]}
# As hv/vm/share_commands.cpp answers `share` and `share vms`.
SHARE = {"pages_shared": 10, "pages_sharing": 40, "pages_unshared": 5, "pages_volatile": 1, "pages_skipped": 0,
         "full_scans": 2, "general_profit": 100000, "ksm_zero_pages": 3, "stable_node_chains": 0,
         "pages_shared_across_vms": 10, "saving_pages": 43, "split_saving_pages": 0, "large_split": 1,
         "large_collapsed": 0, "large_collapsed_by_copy": 0, "large_zero_reclaimed": 0, "cow_breaks": 2,
         "merges": 50, "pressure": "high", "tunables": {"run": "1", "pages_to_scan": "100"}}
SHARE_VMS = {"vms": [{"id": 1, "name": "echo", "pages": 4096, "private": 4000, "shared": 50, "zero": 3,
                      "saved": 43, "on_large": "0.0%", "domain": 0}]}


def ok(cmd, data):
    return {"ok": True, "cmd": cmd, "data": data}


def unknown(cmd):
    return {"ok": False, "cmd": None, "error": f"unknown command '{cmd.split()[0]}' (try 'help')"}


class FakeConsole:
    """Answers like the shell. `behaviour` maps a command to a reply dict, or to "silent",
    "garbage", "no-ok" or "close"; commands not in it are unknown."""

    def __init__(self, behaviour, close_at_once=False):
        self.behaviour = behaviour
        self.close_at_once = close_at_once
        self.received = b""
        self.dir = tempfile.mkdtemp(prefix="hvctl-test-")
        self.path = os.path.join(self.dir, "console.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(4)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                if self.close_at_once:
                    continue
                try:
                    self.talk(conn)
                except OSError:
                    pass  # the client went away: as the real console, wait for the next

    def talk(self, conn):
        line = b""
        attached = escape = False
        conn.sendall(b"guest noise without a line end ")
        while True:
            data = conn.recv(4096)
            if not data:
                return
            self.received += data
            for b in data:
                if attached:  # like vm console with the echo guest: uppercase echo, Ctrl-] q
                    if escape and b == ord("q"):
                        conn.sendall(b"\r\n[detached: back to the shell from vm 1 (echo)]\r\nsamepage> ")
                        attached = escape = False
                    elif b == 0x1d:
                        escape = True
                    else:
                        conn.sendall(b"\r\n" if b == 0x0d else bytes([b]).upper())
                    continue
                if b == 0x0d:
                    if self.answer(conn, line.decode()) == "close":
                        return
                    attached = line.decode().endswith(" vm console 1")
                    line = b""
                elif b == 0x15:
                    line = b""
                elif 0x20 <= b < 0x7f:
                    line += bytes([b])

    def answer(self, conn, line):
        conn.sendall(f"{line}\r\n".encode())  # the echo
        conn.sendall(b"[vm 1 echo] a followed guest line\r\n")
        tag, _, cmd = line.partition(" ")
        what = self.behaviour.get(cmd, unknown(cmd))
        if what == "close":
            conn.close()
            return "close"
        if what == "silent":
            return None
        if what == "garbage":
            body = '{"ok":true,"cmd":'
        elif what == "no-ok":
            body = '{"cmd":"mem"}'
        else:
            body = json.dumps(what, separators=(",", ":"))
        conn.sendall(f"{tag} {body}\r\n".encode())
        if cmd != "vm console 1":
            conn.sendall(b"samepage> ")
        return None

    def close(self):
        self.server.close()


def hvctl(*args, timeout=20, stdin=None):
    return subprocess.run([sys.executable, HVCTL, *args], capture_output=True, text=True, timeout=timeout,
                          input=stdin)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(33)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


class HvctlTest(unittest.TestCase):
    def setUp(self):
        self.fake = None

    def tearDown(self):
        if self.fake:
            self.fake.close()

    def console(self, behaviour, **kw):
        self.fake = FakeConsole(behaviour, **kw)
        return self.fake.path

    def test_run_prints_the_json_reply_and_skips_everything_else(self):
        path = self.console({"vm list": ok("vm list", VMS)})
        r = hvctl("--socket", path, "run", "vm", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), ok("vm list", VMS))
        # It first leaves any vm console session and clears a half-typed line, then sends a tagged line.
        self.assertTrue(self.fake.received.startswith(b"\x1dq\x15@h"), self.fake.received)
        self.assertTrue(self.fake.received.endswith(b" vm list\r"), self.fake.received)

    def test_an_error_reply_exits_1_with_the_json_and_the_message(self):
        path = self.console({})
        r = hvctl("--socket", path, "run", "frobnicate")
        self.assertEqual(r.returncode, 1)
        self.assertFalse(json.loads(r.stdout)["ok"])
        self.assertIn("unknown command 'frobnicate'", r.stderr)

    def test_a_missing_socket_a_closed_connection_a_timeout_and_garbage_are_clear_errors(self):
        r = hvctl("--socket", "/nonexistent/console.sock", "run", "mem")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no console socket at /nonexistent/console.sock", r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1)  # one line

        path = self.console({"mem": "close"})
        r = hvctl("--socket", path, "run", "mem")
        self.assertEqual(r.returncode, 2)
        self.assertIn("closed the connection before replying to 'mem'", r.stderr)
        self.fake.close()

        path = self.console({}, close_at_once=True)
        r = hvctl("--socket", path, "run", "mem")
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, "closed the connection")
        self.fake.close()

        path = self.console({"mem": "silent"})
        r = hvctl("--socket", path, "--timeout", "0.5", "run", "mem")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no reply to 'mem' within 0.5 s", r.stderr)
        self.fake.close()

        path = self.console({"mem": "garbage", "cpu": "no-ok"})
        r = hvctl("--socket", path, "run", "mem")
        self.assertEqual(r.returncode, 2)
        self.assertIn("malformed reply to 'mem'", r.stderr)
        r = hvctl("--socket", path, "run", "cpu")
        self.assertEqual(r.returncode, 2)
        self.assertIn("malformed reply to 'cpu' (no \"ok\" field)", r.stderr)

        stale = os.path.join(tempfile.mkdtemp(), "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()  # the file exists, nobody listens
        r = hvctl("--socket", stale, "run", "mem")
        self.assertEqual(r.returncode, 2)
        self.assertIn("nothing listens on", r.stderr)

    def test_bad_usage_exits_64(self):
        self.assertEqual(hvctl("run").returncode, 64)
        self.assertEqual(hvctl("frob").returncode, 64)
        self.assertEqual(hvctl("--timeout", "0", "run", "mem").returncode, 64)
        r = hvctl("run", "mem")
        env_free = r.returncode == 2 and "--socket PATH or HVCTL_SOCKET" in r.stderr
        self.assertTrue(env_free or os.environ.get("HVCTL_SOCKET"), r.stderr)
        path = self.console({})
        r = hvctl("--socket", path, "run", "x" * 300)
        self.assertEqual(r.returncode, 2)
        self.assertIn("too long", r.stderr)

    def test_top_shows_vms_and_says_when_sharing_is_not_available(self):
        path = self.console({"mem": ok("mem", MEM), "vm list": ok("vm list", VMS)})
        r = hvctl("--socket", path, "top", "--count", "2", "--interval", "0.2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sharing: not available in this build", r.stdout)
        self.assertRegex(r.stdout, r"ID\s+NAME\s+STATE\s+MEMORY_MIB\s+PRIVATE_MIB\s+SHARED_MIB\s+SAVED_MIB\s+EXITS/S")
        self.assertRegex(r.stdout, r"\n1\s+echo\s+running\s+16\s+16\s+-\s+-\s+")
        self.assertIn("pressure: high", r.stdout)

    def test_top_reads_the_share_reply_when_the_build_has_it(self):
        path = self.console({"mem": ok("mem", MEM), "vm list": ok("vm list", VMS),
                             "help share": ok("help", {"commands": []}), "help share vms": ok("help", {}),
                             "share": ok("share", SHARE), "share vms": ok("share vms", SHARE_VMS)})
        r = hvctl("--socket", path, "top", "--count", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sharing: pages_shared 10  pages_sharing 40", r.stdout)
        self.assertRegex(r.stdout, r"\n1\s+echo\s+running\s+16\s+15\.6\s+0\.2\s+0\.2\s+-")

    def test_record_then_plot_writes_a_png_with_and_without_sharing(self):
        work = tempfile.mkdtemp(prefix="hvctl-rec-")
        for sharing in (False, True):
            behaviour = {"mem": ok("mem", MEM), "vm list": ok("vm list", VMS)}
            if sharing:
                behaviour.update({"help share": ok("help", {}), "help share vms": ok("help", {}),
                                  "share": ok("share", SHARE), "share vms": ok("share vms", SHARE_VMS)})
            path = self.console(behaviour)
            rec = os.path.join(work, f"rec-{sharing}.jsonl")
            r = hvctl("--socket", path, "record", rec, "--interval", "0.1", "--samples", "3")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(rec) as f:
                samples = [json.loads(line) for line in f]
            self.assertEqual(len(samples), 3)
            self.assertEqual(samples[0]["vms"][0]["memory_mib"], 16)
            self.assertEqual(samples[0]["frames"]["free"], 100000)
            self.assertEqual(samples[0]["pressure"], "high")
            self.assertEqual(samples[2]["sharing"] is not None, sharing)
            self.assertEqual(samples[2]["sharing_vms"], SHARE_VMS["vms"] if sharing else None)
            self.assertGreater(samples[2]["t"], samples[0]["t"])
            png = os.path.join(work, f"plot-{sharing}.png")
            r = hvctl("plot", rec, png, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            width, height = png_size(png)
            self.assertTrue(600 <= width <= 2000 and 600 <= height <= 2000, (width, height))
            self.assertGreater(os.path.getsize(png), 10000)
            self.fake.close()

    def test_console_relays_typed_bytes_and_output_until_the_escape(self):
        attach = ok("vm console", {"id": 1, "name": "echo", "state": "running", "escape": "Ctrl-] q"})
        path = self.console({"vm console 1": attach, "vm console 2": unknown("x")})
        r = hvctl("--socket", path, "console", "1", stdin="hello\rworld\r\x1dq")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("HELLO\nWORLD\n", r.stdout)  # (text mode turns CR LF into LF)
        self.assertTrue(r.stdout.endswith("[detached: back to the shell from vm 1 (echo)]\n"), r.stdout)
        self.assertIn("attached to vm 1 (echo); Ctrl-] then q returns", r.stderr)
        # Piped input without the escape: hvctl detaches once the guest is quiet.
        r = hvctl("--socket", path, "console", "1", stdin="abc\r")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ABC\n", r.stdout)
        self.assertTrue(self.fake.received.endswith(b"abc\r\x1dq"), self.fake.received)
        r = hvctl("--socket", path, "console", "2")
        self.assertEqual(r.returncode, 1)
        self.assertIn("vm console 2: unknown command", r.stderr)

    def test_plot_refuses_files_that_are_not_recordings(self):
        work = tempfile.mkdtemp(prefix="hvctl-plot-")
        bad = os.path.join(work, "bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"t": 0, "frames": {}, "vms": []}\nnot json\n')
        r = hvctl("plot", bad, os.path.join(work, "out.png"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.jsonl:2: not a JSON line", r.stderr)
        empty = os.path.join(work, "empty.jsonl")
        open(empty, "w").close()
        r = hvctl("plot", empty, os.path.join(work, "out.png"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("holds no samples", r.stderr)
        r = hvctl("plot", os.path.join(work, "missing.jsonl"), os.path.join(work, "out.png"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
