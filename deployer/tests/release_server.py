#!/usr/bin/env python3
"""A release server for the install tests: serves DIR over HTTPS on 127.0.0.1 with a
certificate from a CA made here, writes the CA's certificate to CA_FILE, and prints its port.
`/redirect/NAME` answers 302 to `/NAME`, as GitHub's release downloads redirect.

usage: release_server.py DIR CA_FILE
"""

import datetime
import functools
import http.server
import ipaddress
import ssl
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def certificate(subject, issuer, key, signer, ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", f"https://127.0.0.1:{self.server.server_port}/{self.path[10:]}")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def main():
    directory, ca_file = sys.argv[1], sys.argv[2]
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("lamux test CA", "lamux test CA", ca_key, ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate("127.0.0.1", "lamux test CA", key, ca_key, False)
    with open(ca_file, "wb") as out:
        out.write(ca.public_bytes(serialization.Encoding.PEM))
    with tempfile.NamedTemporaryFile(suffix=".pem") as chain:
        chain.write(leaf.public_bytes(serialization.Encoding.PEM))
        chain.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        chain.flush()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain.name)
    handler = functools.partial(Handler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
