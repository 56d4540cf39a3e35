#!/usr/bin/python3
"""Asks a running portcullis (by EAL file prefix) telemetry commands and prints
each reply's JSON on one line: telemetry.py PREFIX CMD [CMD...]

telemetry.py PREFIX --until SECONDS CMD VALUE asks CMD every 10 ms until its
reply (a list) holds VALUE, prints when it did (ms since the epoch) and exits
0; exits 1 when SECONDS pass first."""
import json
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(f"/var/run/dpdk/{sys.argv[1]}/dpdk_telemetry.v2")
json.loads(s.recv(16384))  # the greeting


def ask(cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(1 << 16))[cmd.split(",")[0]]


if sys.argv[2] == "--until":
    end = time.time() + float(sys.argv[3])
    while time.time() < end:
        if sys.argv[5] in ask(sys.argv[4]):
            print(int(time.time() * 1000))
            sys.exit(0)
        time.sleep(0.01)
    sys.exit(1)
for cmd in sys.argv[2:]:
    print(json.dumps(ask(cmd)))
