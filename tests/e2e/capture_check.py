#!/usr/bin/python3
"""The captured exchange, checked packet by packet, and the server's word for it.

  capture_check.py client SRV SPORT
      one HTTP/1.1 GET from 198.18.0.1:SPORT to SRV:80, closed by the client
      once the answer is in; prints the request's and the answer's lengths
  capture_check.py check FILE SPORT REQ_LEN ANS_LEN BEFORE AFTER COUNT
      reads FILE with tshark and checks it holds exactly that connection:
      handshake (MSS 1460, window scale 7 from the server), the request, the
      answer, the client's FIN and the server's FIN+ACK, the last ACK, with
      every sequence and acknowledgment number; inbound and outbound packets
      and bytes equal to the server's rx/tx counters between the telemetry
      samples BEFORE and AFTER (/portcullis/stats JSON); COUNT packets (what
      the capturing side says it wrote); times of today, in order.
Exits 1 naming the first check that failed.
"""
import json
import socket
import subprocess
import sys
import time

CLIENT = "198.18.0.1"
REQUEST = b"GET / HTTP/1.1\r\nHost: portcullis\r\n\r\n"
SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def client(srv, sport):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((CLIENT, sport))
    s.settimeout(10)
    s.connect((srv, 80))
    s.sendall(REQUEST)
    data = b""
    while b"\r\n\r\n" not in data or len(data) < answer_len(data):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit(f"EOF after {len(data)} bytes of the answer")
        data += chunk
    s.close()
    print(len(REQUEST), len(data))


def answer_len(data):
    head, sep, _ = data.partition(b"\r\n\r\n")
    if not sep:
        return 1 << 30
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + 4 + int(value)
    sys.exit(f"no Content-Length in {head!r}")


FIELDS = ["frame.time_epoch", "frame.len", "frame.packet_flags_direction", "ip.src",
          "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len",
          "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.payload"]


def packets(path):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    pkts = []
    for line in out.splitlines():
        p = dict(zip(FIELDS, line.split("\t")))
        pkts.append(p)
    return pkts


def num(p, field):
    v = p[field]
    return int(v, 0) if v else None


def check(path, sport, req_len, ans_len, before, after, count):
    pkts = packets(path)
    b, a = json.loads(open(before).read()), json.loads(open(after).read())
    d = {k: a[k] - b[k] for k in b if isinstance(b[k], int)}

    def want(cond, what):
        if not cond:
            print(f"capture_check: {what}", file=sys.stderr)
            for i, p in enumerate(pkts, 1):
                print(f"  {i}: {p}", file=sys.stderr)
            sys.exit(1)

    want(len(pkts) == count, f"{len(pkts)} packets in the file, the capture says {count}")
    for i, p in enumerate(pkts, 1):
        want(p["tcp.srcport"] and {num(p, "tcp.srcport"), num(p, "tcp.dstport")} == {sport, 80},
             f"packet {i} is not of the connection {CLIENT}:{sport} -> :80 (the filter let it in)")
        want(not num(p, "tcp.flags") & RST, f"packet {i} is an RST")
    inbound = [p for p in pkts if p["ip.src"] == CLIENT]
    outbound = [p for p in pkts if p["ip.src"] != CLIENT]
    # pcapng direction flags: 1 inbound, 2 outbound (rte_pcapng_copy sets them).
    want(all(num(p, "frame.packet_flags_direction") == 1 for p in inbound), "an inbound packet not marked inbound")
    want(all(num(p, "frame.packet_flags_direction") == 2 for p in outbound), "an outbound packet not marked outbound")

    # The server's counters between the two samples saw exactly these packets.
    for name, got in (("rx_pkts", len(inbound)), ("tx_pkts", len(outbound)),
                      ("rx_bytes", sum(num(p, "frame.len") for p in inbound)),
                      ("tx_bytes", sum(num(p, "frame.len") for p in outbound))):
        want(d[name] == got, f"the server counted {name} {d[name]}, the capture {got}")
    for name in ("syn_rx", "synack_tx", "conn_opened", "conn_closed", "http_requests"):
        want(d[name] == 1, f"the server counted {name} +{d[name]}, want +1")

    flags = [num(p, "tcp.flags") & 0x3F for p in pkts]
    syn, synack = pkts[0], pkts[1]
    want(flags[0] == SYN and syn["ip.src"] == CLIENT, "packet 1 is not the client's SYN")
    x = num(syn, "tcp.seq_raw")
    want(flags[1] == SYN | ACK and synack["ip.src"] != CLIENT, "packet 2 is not the server's SYN-ACK")
    y = num(synack, "tcp.seq_raw")
    want(num(synack, "tcp.ack_raw") == x + 1, "SYN-ACK: ack is not the client's ISN + 1")
    want(num(synack, "tcp.options.mss_val") == 1460, "SYN-ACK: MSS is not 1460 (port.mtu 1500)")
    want(num(synack, "tcp.options.wscale.shift") == 7, "SYN-ACK: window scale is not 7 (tcp.wscale)")
    want(flags[2] == ACK and num(pkts[2], "tcp.ack_raw") == y + 1 and pkts[2]["ip.src"] == CLIENT,
         "packet 3 is not the client's ACK of the SYN-ACK")

    data_in = [p for p in inbound if num(p, "tcp.len")]
    want(len(data_in) == 1 and num(data_in[0], "tcp.seq_raw") == x + 1
         and bytes.fromhex(data_in[0]["tcp.payload"].replace(":", "")) == REQUEST,
         "the request is not one segment at ISN + 1")
    data_out = [p for p in outbound if num(p, "tcp.len")]
    want(sum(num(p, "tcp.len") for p in data_out) == ans_len,
         f"the server's segments carry {sum(num(p, 'tcp.len') for p in data_out)} bytes, the client read {ans_len}")
    seq = y + 1
    for p in data_out:
        want(num(p, "tcp.seq_raw") == seq, "the answer's segments are not contiguous from ISN + 1")
        seq += num(p, "tcp.len")

    cfin = [p for p in inbound if num(p, "tcp.flags") & FIN]
    sfin = [p for p in outbound if num(p, "tcp.flags") & FIN]
    want(len(cfin) == 1 and num(cfin[0], "tcp.seq_raw") == x + 1 + req_len
         and num(cfin[0], "tcp.ack_raw") == y + 1 + ans_len, "the client's FIN: wrong numbers")
    want(len(sfin) == 1 and num(sfin[0], "tcp.flags") & ACK and not num(sfin[0], "tcp.len")
         and num(sfin[0], "tcp.seq_raw") == y + 1 + ans_len
         and num(sfin[0], "tcp.ack_raw") == x + 2 + req_len,
         "the server's FIN+ACK: wrong flags or numbers")
    last = pkts[-1]
    want(last["ip.src"] == CLIENT and flags[-1] == ACK and num(last, "tcp.ack_raw") == y + 2 + ans_len,
         "the last packet is not the client's ACK of the server's FIN")
    want(pkts.index(cfin[0]) < pkts.index(sfin[0]) < len(pkts) - 1, "the FINs are out of order")

    times = [float(p["frame.time_epoch"]) for p in pkts]
    want(times == sorted(times), "the times go backwards")
    want(abs(times[0] - time.time()) < 120, f"the first packet is dated {time.ctime(times[0])}")
    print(f"capture_check: {len(pkts)} packets ({len(inbound)} in, {len(outbound)} out): SYN, SYN-ACK "
          f"(MSS 1460, wscale 7), ACK, the request, {len(data_out)} answer segment(s), FIN, FIN+ACK, "
          f"ACK; numbers, counters and times agree")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 9 and sys.argv[1] == "check":
        check(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6],
              sys.argv[7], int(sys.argv[8]))
    else:
        sys.exit(__doc__)
