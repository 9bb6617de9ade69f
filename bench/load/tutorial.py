"""The original tutorial's UDP chat server, as the benchmark's baseline: it
remembers every address that sent it something and relays each datagram to
all the others.

    python3 tutorial.py PORT
"""

import socket
import sys

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", int(sys.argv[1])))
print(f"listening on {sys.argv[1]}", flush=True)
clients = []
while True:
    data, address = server.recvfrom(65536)
    if address not in clients:
        clients.append(address)
    for client in clients:
        if client != address:
            server.sendto(data, client)
