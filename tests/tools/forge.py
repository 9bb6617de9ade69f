#!/usr/bin/env python3
"""Sends UDP datagrams with forged source addresses, for udpchat's attack tests.

Reads lines "SRC_IP SRC_PORT DST_IP DST_PORT BASE64_PAYLOAD" on stdin and sends each
payload from SRC to DST through a raw IPv4 socket (needs root). Used only towards
127.0.0.1 or addresses in network namespaces the tests made; stops at end of input.
"""
import base64
import socket
import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def packet(src: str, sport: int, dst: str, dport: int, payload: bytes) -> bytes:
    length = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, length)
    udp = struct.pack("!HHHH", sport, dport, length, 0) + payload
    udp_sum = checksum(pseudo + udp) or 0xFFFF
    udp = struct.pack("!HHHH", sport, dport, length, udp_sum) + payload
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + length, 0, 0, 64, 17, 0,
        socket.inet_aton(src), socket.inet_aton(dst),
    )
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + udp


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    for line in sys.stdin:
        src, sport, dst, dport, *payload = line.split()
        data = base64.b64decode(payload[0]) if payload else b""
        sock.sendto(packet(src, int(sport), dst, int(dport), data), (dst, 0))
        sent += 1
    print(sent, flush=True)


main()
