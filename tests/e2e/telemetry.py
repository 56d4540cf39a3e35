#!/usr/bin/python3
"""Asks a running portcullis (by EAL file prefix) telemetry commands and prints
each reply's JSON on one line: telemetry.py PREFIX CMD [CMD...]"""
import json
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(f"/var/run/dpdk/{sys.argv[1]}/dpdk_telemetry.v2")
json.loads(s.recv(16384))  # the greeting
for cmd in sys.argv[2:]:
    s.send(cmd.encode())
    print(json.dumps(json.loads(s.recv(1 << 16))[cmd.split(",")[0]]))
