#!/usr/bin/env python3
"""Boot test: boots the real samepage.efi in QEMU (AMD SVM) or Bochs (Intel VMX), checks the
banner, types console commands and checks the replies, then powers off through the test exit
device. Ends in a verdict: exit status 0 and "PASS" or non-zero and "FAIL: <why>"."""
import argparse
import itertools
import json
import re
import sys
import time

from machine import MACHINES, TestFailure

PROMPT = r"samepage> "


def run_command(m, line, timeout=30):
    """Types a line, returns the reply text between the echoed line and the next prompt."""
    m.console.send(line + "\r")
    m.console.expect(re.escape(line) + r"\r?\n", timeout)
    return m.console.expect(r"(?s)(.*?)" + PROMPT, timeout).group(1)


FRAME = re.compile(r"@([A-Za-z0-9._:-]{1,32}) (\{.*\})")
_tags = itertools.count(1)


def command_json(m, line, timeout=60):
    """Sends `line` with a request tag and returns the reply's JSON object. Unlike run_command
    it does not rely on the echo of the typed line, which asynchronous console lines (a VM's
    diagnostics) may interleave with while other VMs run: it waits for "@<tag> {...}"."""
    tag = f"t{next(_tags)}"
    m.console.send(f"@{tag} {line}\r")
    return json.loads(m.console.expect(rf"^@{tag} (\{{.*?)(?=\r?\n)", timeout).group(1))


def json_reply(text, command):
    """The JSON of the one framed reply line "@<tag> {...}" of a --json command; other lines
    (asynchronous console messages such as test mode's audit lines) may surround it."""
    lines = [l for l in text.splitlines() if FRAME.fullmatch(l.strip())]
    if len(lines) != 1:
        raise TestFailure(f"'{command}' should print one JSON line, got:\n{text}")
    frame = FRAME.fullmatch(lines[0].rstrip("\r"))
    if not frame:
        raise TestFailure(f"'{command}' printed no framed JSON reply (@<tag> {{...}}):\n{lines[0]}")
    try:
        return json.loads(frame.group(2))
    except ValueError as e:
        raise TestFailure(f"'{command}' printed invalid JSON ({e}):\n{lines[0]}")


def check(cond, what, context=""):
    if not cond:
        raise TestFailure(what + (f"\n{context}" if context else ""))


def check_banner(m):
    c = m.console
    c.expect(r"Samepage \S+ starting", m.remaining())
    ctor = c.expect(r"runtime: (\d+) global constructors ran, startup probe (\w+)", m.remaining())
    check(int(ctor.group(1)) >= 1 and ctor.group(2) == "ok",
          f"global constructors did not run: {ctor.group(0)}")
    if m.vendor == "AMD":
        c.expect(r"virtualization: AMD SVM rev \d+, NPT yes", 60)
    else:
        c.expect(r"virtualization: Intel VMX \(VMCS rev 0x[0-9a-f]+\), EPT yes, EPT 2M yes, EPT 1G yes", 60)
    mem = c.expect(r"memory: (\d+) MiB RAM, (\d+) MiB usable", 60)
    check(int(mem.group(2)) > 0, "no usable memory reported")
    c.expect(r"boot services: exited after \d+ attempts?; own GDT, TSS and IDT loaded", 60)
    paging = c.expect(r"paging: own identity map of (\d+) GiB in (\d+) table pages; (\d+) firmware table pages freed", 60)
    check(int(paging.group(2)) > 1, "no host page tables built", paging.group(0))
    if m.vendor == "AMD":
        c.expect(r"svm: enabled on CPU 0 \(host save area at 0x[0-9a-f]+\)", 30)
    else:
        c.expect(r"vmx: enabled on CPU 0 \(VMXON region at 0x[0-9a-f]+; VPID yes, unrestricted guest yes, "
                 r"TRUE controls\)", 30)
    timer = c.expect(r"timer: LAPIC at 0x[0-9a-f]+, (\d+) counts per ms \(PIT-calibrated\), 10 ms ticks", 30)
    check(int(timer.group(1)) > 0, "the LAPIC timer was not calibrated", timer.group(0))
    c.expect(PROMPT, 60)


def check_commands(m):
    help_text = run_command(m, "help")
    for name in ("help", "version", "cpu", "mem", "reboot", "poweroff", "log"):
        check(re.search(rf"^\s*{name}\b", help_text, re.M), f"help does not list '{name}'", help_text)

    version = json_reply(run_command(m, "version --json"), "version --json")
    check(version.get("ok") is True and version["data"].get("name") == "Samepage",
          "version --json is wrong", json.dumps(version))

    cpu_text = run_command(m, "cpu")
    check(m.vendor in cpu_text, f"cpu does not name {m.vendor}", cpu_text)
    cpu = json_reply(run_command(m, "cpu --json"), "cpu --json")
    check(cpu.get("ok") is True and cpu.get("cmd") == "cpu", "cpu --json not ok", json.dumps(cpu))
    data = cpu["data"]
    check(data["vendor"] == m.vendor, "cpu --json vendor", json.dumps(data))
    virt = data["virtualization"]
    check(virt["available"] is True, "virtualization not available", json.dumps(data))
    if m.vendor == "AMD":
        check(virt["kind"] == "svm" and data["svm"]["npt"] is True and data["svm"]["asids"] >= 1,
              "SVM features missing", json.dumps(data))
    else:
        vmx = data["vmx"]
        check(virt["kind"] == "vmx" and vmx["ept"] and vmx["ept_2m"] and vmx["ept_1g"]
              and vmx["unrestricted_guest"], "VMX features missing", json.dumps(data))

    mem = json_reply(run_command(m, "mem --json"), "mem --json")
    check(mem.get("ok") is True, "mem --json not ok", json.dumps(mem))
    check(mem["data"]["firmware"]["usable_bytes"] > 0, "mem reports no usable memory", json.dumps(mem))
    heap = mem["data"]["heap"]
    check(heap["size_bytes"] > 0 and heap["live_allocations"] >= 2 and 0 < heap["in_use_bytes"] < heap["size_bytes"],
          "mem shows no heap in use (the shell and the host page table live there)", json.dumps(heap))
    frames = mem["data"]["frames"]
    check(frames["free"] > 0 and frames["hypervisor"] > 0 and frames["vms"] == 0,
          "mem frames by owner are implausible", json.dumps(frames))
    check(frames["free"] + frames["hypervisor"] + frames["shared"] + frames["vms"] == frames["managed"],
          "frame counts do not add up", json.dumps(frames))
    check(frames["pressure"] == "high", "an idle hypervisor should be in the high state", json.dumps(frames))
    check(mem["data"]["paging"]["table_pages"] > 1, "mem shows no host page tables", json.dumps(mem))

    bad = run_command(m, "frobnicate")
    check("error: unknown command 'frobnicate'" in bad, "unknown command not reported", bad)
    bad_json = json_reply(run_command(m, "frobnicate --json"), "frobnicate --json")
    check(bad_json.get("ok") is False and "unknown command" in bad_json.get("error", ""),
          "unknown command --json", json.dumps(bad_json))
    bad_args = run_command(m, "cpu extra")
    check(bad_args.strip().startswith("error:"), "extra argument to cpu not refused", bad_args)

    # Bad bytes: a control character, a non-ASCII byte, an over-long line. Each gets one
    # error line and the prompt comes back.
    for raw, expected in (("ver\x01sion", "control character"), ("mem\xe9", "non-ASCII"),
                          ("x" * 600, "too long")):
        m.console.send(raw + "\r")
        reply = m.console.expect(r"(?s)(.*?)" + PROMPT, 30).group(1)
        check(expected in reply and "error:" in reply, f"bad input {raw[:12]!r}... not refused", reply)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", choices=sorted(MACHINES), required=True)
    ap.add_argument("--esp", required=True, help="the built esp.img")
    ap.add_argument("--time-limit", type=float, default=240)
    args = ap.parse_args()

    machine_class = MACHINES[args.emulator]
    exit_device = "qemu" if args.emulator == "qemu" else "bochs"
    started = time.monotonic()
    try:
        with machine_class(args.esp, [f"test_exit = {exit_device}"], args.time_limit) as m:
            check_banner(m)
            booted = m.elapsed()
            check_commands(m)
            m.console.send("poweroff\r")
            m.console.expect(r"powering off", 30)
            m.check_test_exit(60)
            print(f"boot to prompt {booted:.1f} s, whole test {m.elapsed():.1f} s")
    except TestFailure as e:
        print(f"FAIL: {e}")
        return 1
    print(f"PASS ({args.emulator}, {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
