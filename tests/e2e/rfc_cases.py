#!/usr/bin/python3
"""Misbehaving-client and hostile-input cases against portcullis over net_tap, with scapy.

Runs inside the test's namespace. The client uses an address the kernel does
not own (198.18.0.3), so the kernel neither answers nor resets the server's
segments; scapy sends and sniffs raw frames on the tap. Each case checks the
exact reply: flags, sequence and acknowledgement numbers, payload.
"""
import queue
import sys
import time

from scapy.all import (ARP, IP, TCP, AsyncSniffer, Ether, IPOption_LSRR, IPOption_RR, Raw, conf,
                       get_if_hwaddr, sendp, srp1)

IFACE, SRV, CLI = sys.argv[1], "198.18.0.2", "198.18.0.3"
conf.verb = 0
REQ10 = b"GET / HTTP/1.0\r\n\r\n"
REQ11 = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"

mymac = get_if_hwaddr(IFACE)
arp = srp1(Ether(dst="ff:ff:ff:ff:ff:ff", src=mymac) / ARP(op=1, hwsrc=mymac, psrc=CLI, pdst=SRV),
           iface=IFACE, timeout=3)
assert arp is not None, "no ARP reply from the server"
srvmac = arp[ARP].hwsrc

replies = queue.Queue()
# Every TCP frame from the server, whatever its destination: the hostile
# cases check that nothing at all answers a spoofed source. The land SYN we
# send is from the server's address too; the server never sends a bare SYN.
sniffer = AsyncSniffer(iface=IFACE, store=False, prn=lambda p: replies.put(p[TCP]),
                       lfilter=lambda p: IP in p and TCP in p and p[IP].src == SRV and
                       str(p[TCP].flags) != "S")
sniffer.start()
time.sleep(0.5)


def send(sport, flags, seq, ack=0, data=b""):
    seg = TCP(sport=sport, dport=80, flags=flags, seq=seq % 2**32, ack=ack % 2**32, window=65535)
    sendp(Ether(src=mymac, dst=srvmac) / IP(src=CLI, dst=SRV) / seg / Raw(data), iface=IFACE)


def expect(what, flags, seq, ack, payload_prefix=None, length=None):
    try:
        r = replies.get(timeout=3)
    except queue.Empty:
        raise AssertionError(f"{what}: no reply, expected {flags} seq={seq} ack={ack}")
    got = (str(r.flags), r.seq if seq is not None else None, r.ack)
    want = (flags, seq % 2**32 if seq is not None else None, ack % 2**32)
    assert got == want, f"{what}: got flags={got[0]} seq={got[1]} ack={got[2]}, want {want}"
    data = bytes(r.payload)
    if payload_prefix is not None:
        assert data.startswith(payload_prefix), f"{what}: payload {data[:40]!r}"
    if length is not None:
        assert len(data) == length, f"{what}: {len(data)} payload bytes, want {length}"
    return r


def expect_nothing(what):
    time.sleep(0.3)
    assert replies.empty(), f"{what}: unexpected reply {replies.get().underlayer.underlayer!r}"


def connect(sport, x):
    send(sport, "S", x)
    sa = replies.get(timeout=3)
    assert str(sa.flags) == "SA" and sa.ack == (x + 1) % 2**32, f"handshake: {sa!r}"
    y = sa.seq
    send(sport, "A", x + 1, y + 1)
    return y


def blind_rst():
    x = 1000
    y = connect(40001, x)
    send(40001, "R", x + 1 + 1000)
    expect("in-window RST", "A", y + 1, x + 1)
    send(40001, "PA", x + 1, y + 1, REQ10)
    expect("request after the blind RST", "FPA", y + 1, x + 1 + len(REQ10), b"HTTP/1.1 200 OK")
    send(40001, "R", x + 1 + len(REQ10))


def syn_on_open():
    x = 5000
    y = connect(40002, x)
    send(40002, "S", x + 500)
    expect("SYN on an open connection", "A", y + 1, x + 1)
    send(40002, "R", x + 1)


def out_of_window():
    x = 9000
    y = connect(40003, x)
    send(40003, "PA", x + 1 + 10**6, y + 1, b"zz")
    expect("out-of-window data", "A", y + 1, x + 1)
    send(40003, "R", x + 1)


def half_close():
    x = 20000
    y = connect(40004, x)
    send(40004, "FPA", x + 1, y + 1, REQ11)
    r = expect("half-closed request", "FPA", y + 1, x + 1 + len(REQ11) + 1, b"HTTP/1.1 200 OK")
    assert bytes(r.payload).endswith(b"\r\n\r\nportcullis\n"), bytes(r.payload)
    send(40004, "A", x + 2 + len(REQ11), y + 1 + len(r.payload) + 1)
    expect_nothing("after the last ACK")


def time_wait_reuse():
    x = 30000
    y = connect(40005, x)
    send(40005, "PA", x + 1, y + 1, REQ10)
    r = expect("HTTP/1.0 answer", "FPA", y + 1, x + 1 + len(REQ10), b"HTTP/1.1 200 OK")
    w = y + 1 + len(r.payload) + 1
    u = x + 1 + len(REQ10)
    send(40005, "FA", u, w)
    expect("ACK of our FIN into TIME_WAIT", "A", w, u + 1)
    send(40005, "R", u + 1)
    expect_nothing("RST in TIME_WAIT (RFC 1337)")
    send(40005, "S", x - 100)
    expect("old SYN in TIME_WAIT", "A", w, u + 1)
    send(40005, "S", x + 100000)
    sa = replies.get(timeout=3)
    assert str(sa.flags) == "SA" and sa.ack == x + 100001, f"TIME_WAIT reuse: {sa!r}"
    send(40005, "R", x + 100001)


def hostile(what, frame):
    sendp(frame, iface=IFACE)
    expect_nothing(what)


def syn(sport, **ip):
    return Ether(src=mymac, dst=srvmac) / IP(**{"src": CLI, "dst": SRV, **ip}) / \
        TCP(sport=sport, dport=80, flags="S", seq=7000, window=65535)


def hostile_inputs():
    """Each dropped silently (the counters are checked by tap_rfc.sh)."""
    hostile("first fragment", syn(41001, flags="MF"))
    hostile("later fragment", syn(41002, frag=185))
    hostile("source route", syn(41003, options=[IPOption_LSRR(routers=["198.18.0.9"])]))
    for src in ("255.255.255.255", "224.0.0.1", "127.0.0.1", "198.18.0.255", "0.0.0.0"):
        hostile(f"source {src}", syn(41004, src=src))
    land = Ether(src=mymac, dst=srvmac) / IP(src=SRV, dst=SRV) / TCP(sport=80, dport=80, flags="S")
    hostile("land attack", land)
    hostile("link broadcast", Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff") / IP(src=CLI, dst=SRV) /
            TCP(sport=41005, dport=80, flags="S"))
    hostile("all flags", Ether(src=mymac, dst=srvmac) / IP(src=CLI, dst=SRV) /
            TCP(sport=41006, dport=80, flags="FSRPAUEC", seq=1))
    # IP options otherwise are ignored, and the SYN-ACK carries none.
    sendp(syn(41007, options=[IPOption_RR()]), iface=IFACE)
    r = expect("SYN with record route", "SA", None, 7001)
    assert r.underlayer.ihl == 5, f"reply IP header {r.underlayer.ihl * 4} bytes"
    send(41007, "R", 7001)
    # And a well-behaved client is served as ever.
    x = 8000
    y = connect(41008, x)
    send(41008, "PA", x + 1, y + 1, REQ10)
    expect("request after the hostile ones", "FPA", y + 1, x + 1 + len(REQ10), b"HTTP/1.1 200 OK")
    send(41008, "R", x + 1 + len(REQ10))


cases = [blind_rst, syn_on_open, out_of_window, half_close, time_wait_reuse, hostile_inputs]
failed = 0
for case in cases:
    try:
        case()
        print(f"ok: {case.__name__}")
    except AssertionError as e:
        failed += 1
        print(f"FAIL: {case.__name__}: {e}")
    while not replies.empty():
        replies.get()
sniffer.stop()
print(f"rfc_cases: {len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
