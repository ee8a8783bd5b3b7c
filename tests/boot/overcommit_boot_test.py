#!/usr/bin/env python3
"""Overcommit and memory exhaustion in the running hypervisor (QEMU, AMD SVM + NPT), one boot:

1. Overcommit: four `sharer` guests in one sharing group whose RAM together is 1.5x the memory
   guests can have. The ones that do not fit are backed lazily; as free memory runs low the
   pressure state leaves high, the engine splits the large mappings that hold sharable pages and
   shares them, and all four run to completion with 0 checksum failures. No large mapping is
   split before the pressure state has left high.
2. Exhaustion: three sharers reach steady state, then a `hog` (lazily backed) writes unique pages
   until no frame is left: the hog alone is paused, with a message naming it, while the sharers
   go on; the sharers finish, the hog resumes and finishes, and `mem` shows no frame left behind.
   If every VM is paused at once ("all VMs paused"), the test fails rather than hangs.
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_boot_test import PROMPT, check, command_json  # noqa: E402
from machine import Qemu, TestFailure  # noqa: E402

REQUEST_FINISH = 1
MiB = 1 << 20


def ok(m, line, timeout=60):
    r = command_json(m, line, timeout)
    check(r["ok"], f"'{line}' failed", json.dumps(r))
    return r["data"]


def info(m, vm_id):
    d = ok(m, f"vm info {vm_id}")
    return d, {f["name"]: f["value"] for f in d.get("figures", [])}


def no_global_pause(m, since):
    text = m.console.text_since(since)
    check("all VMs paused" not in text, "every VM was paused at once (memory exhausted)",
          "\n".join(l for l in text.splitlines() if "paused" in l)[-2000:])


def wait_rounds(m, ids, rounds, timeout, since):
    deadline = time.monotonic() + timeout
    while True:
        done = []
        for vm_id in ids:
            d, f = info(m, vm_id)
            check(d["state"] in ("running", "paused"), f"sharer {vm_id} is {d['state']}", json.dumps(d))
            done.append(f.get("rounds", 0))
        if min(done) >= rounds:
            return done
        no_global_pause(m, since)
        if time.monotonic() > deadline:
            raise TestFailure(f"the sharers did not reach round {rounds}", f"rounds {done}")
        time.sleep(1)


def wait_ended(m, vm_id, timeout, since):
    deadline = time.monotonic() + timeout
    while True:
        d, f = info(m, vm_id)
        if d["state"] in ("exited", "stopped"):
            return d, f
        no_global_pause(m, since)
        if time.monotonic() > deadline:
            raise TestFailure(f"vm {vm_id} did not finish", json.dumps(d))
        time.sleep(1)


def check_passed(d, f, what):
    check(d["verdict"] == "passed" and f.get("checksum_failures") == 0, f"{what} saw wrong memory contents",
          json.dumps(d))


def sizes(m):
    guests = ok(m, "mem")["guests"]
    return guests["memory_bytes"] // MiB, guests["limit_bytes"] // MiB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esp", required=True)
    ap.add_argument("--host-mib", type=int, default=512)
    ap.add_argument("--time-limit", type=float, default=900)
    args = ap.parse_args()
    report = {}
    console_tail = None
    try:
        cfg = ["test_exit = qemu", "overcommit_percent = 160"]
        with Qemu(args.esp, cfg, args.time_limit, memory_mib=args.host_mib) as m:
            console_tail = m.console.tail
            m.console.expect(PROMPT, m.remaining())
            start = len(m.console.text_since(0))
            for line in ("share set sleep_millisecs 0", "share set pages_to_scan 4096",
                         "share set max_cpu_percent 50"):
                ok(m, line)
            guest_mib, limit_mib = sizes(m)

            # 1. Overcommit: 4 sharers, 1.5x the guest memory together.
            each = -(-guest_mib * 3 // 8)  # a quarter of 1.5x, rounded up...
            each += each % 2                 # ...to whole 2 MiB blocks
            check(4 * each <= limit_mib and 2 * 4 * each >= 3 * guest_mib,
                  f"cannot size the sharers: {each} MiB each, guest memory {guest_mib}, limit {limit_mib}")
            ids, backing = [], []
            t0 = time.monotonic()
            for n in range(4):
                d = ok(m, f"vm start sharer {each}M --name over{n} --group g --arg2 8")
                ids.append(d["id"])
                backing.append(d["backing"])
            check("lazy" in backing, "no sharer was backed lazily", str(backing))
            # All four filled and running at once: only sharing makes room for that.
            wait_rounds(m, ids, 2, 600, start)
            mem = ok(m, "mem")
            held = sum(v["frames"] for v in mem["vms"]) * 4096 // MiB
            check(len(mem["vms"]) == 4 and held < guest_mib, "the four sharers are not all in memory",
                  json.dumps(mem["vms"]))
            report["overcommit_held_mib"] = held
            for vm_id in ids:
                ok(m, f"vm request {vm_id} {REQUEST_FINISH}")
            for vm_id in ids:
                d, f = wait_ended(m, vm_id, 120, start)
                check_passed(d, f, f"overcommitted sharer {vm_id}")
            share = ok(m, "share")
            text = m.console.text_since(start)
            left_high = re.search(r"memory: pressure high -> (clear|soft|hard|low)", text)
            check(share["large_split"] > 0, "nothing was split although memory was overcommitted", json.dumps(share))
            check(left_high is not None, "large mappings were split but the pressure state never left high",
                  json.dumps(share))
            report["overcommit"] = {"vm_mib": each, "vms": 4, "guest_memory_mib": guest_mib,
                                    "ratio": round(4 * each / guest_mib, 2), "backing": backing,
                                    "large_split": share["large_split"], "cow_breaks": share["cow_breaks"],
                                    "seconds": round(time.monotonic() - t0, 1)}
            frames = ok(m, "mem")["frames"]
            check(frames["vms"] == 0, "frames of the overcommitted sharers were not returned", json.dumps(frames))

            # 2. Exhaustion: three sharers at steady state, then a hog.
            sharer_mib = (guest_mib // 5) // 2 * 2
            hog_mib = (guest_mib * 4 // 5) // 2 * 2
            ids = [ok(m, f"vm start sharer {sharer_mib}M --name steady{n} --group h --arg2 8")["id"] for n in range(3)]
            wait_rounds(m, ids, 2, 300, start)
            hog_text_start = len(m.console.text_since(0))
            hog = ok(m, f"vm start hog {hog_mib}M --name hog --lazy --arg 1")
            hog_id = hog["id"]
            deadline = time.monotonic() + 300
            while True:
                d, _ = info(m, hog_id)
                if d.get("waiting_for_memory"):
                    break
                check(d["state"] == "running", f"the hog is {d['state']} before memory ran out", json.dumps(d))
                no_global_pause(m, start)
                if time.monotonic() > deadline:
                    raise TestFailure("the hog never ran out of memory", json.dumps(ok(m, "mem")["frames"]))
                time.sleep(1)
            message = re.search(rf"vm {hog_id} \(hog\): paused: no free memory", m.console.text_since(hog_text_start))
            check(message is not None, "no console message names the paused hog")
            # The sharers go on while the hog waits.
            before = wait_rounds(m, ids, 0, 10, start)
            after = wait_rounds(m, ids, max(before) + 3, 300, start)
            for vm_id in ids:
                d, _ = info(m, vm_id)
                check(not d.get("waiting_for_memory") and d["state"] == "running",
                      f"sharer {vm_id} was paused as well", json.dumps(d))
            # (The hog may have resumed for a moment meanwhile: the scanner frees a few frames as
            # it merges the sharers' rewritten pages again, and the hog takes them.)
            free_at_pause = ok(m, "mem")["frames"]["free"]
            for vm_id in ids:
                ok(m, f"vm request {vm_id} {REQUEST_FINISH}")
            for vm_id in ids:
                d, f = wait_ended(m, vm_id, 120, start)
                check_passed(d, f, f"sharer {vm_id}")
            d, f = wait_ended(m, hog_id, 300, start)
            check_passed(d, f, "the hog")
            frames = ok(m, "mem")["frames"]
            check(frames["vms"] == 0, "frames leaked after the hog and the sharers ended", json.dumps(frames))
            audit = [l for l in m.console.text_since(start).splitlines() if "audit:" in l]
            check(audit and not any("FAILED" in l for l in audit), "an isolation audit failed", "\n".join(audit))
            report["exhaustion"] = {"sharer_mib": sharer_mib, "hog_mib": hog_mib, "free_frames_at_pause": free_at_pause,
                                    "sharer_rounds_while_hog_paused": [a - b for a, b in zip(after, before)],
                                    "hog_pages_written": f.get("pages_written")}
            print("overcommit figures: " + json.dumps(report))
            m.console.send("poweroff\r")
            m.check_test_exit(30)
    except (TestFailure, OSError) as e:
        print(f"FAIL: {e}")
        if console_tail:
            print("console:\n" + console_tail())
        if report:
            print("figures so far: " + json.dumps(report))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
