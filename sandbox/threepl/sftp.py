"""An SFTP server inside the process, serving the drop folders, as most UK 3PLs exchange files.

Built on paramiko, imported only when a server is started, so the sandbox starts
fast without it. Password login only; the host key is made afresh at each start.
"""

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import paramiko

from ..core.knobs import Knobs

ACCEPT_POLL = 0.2


@dataclass
class SftpSettings(Knobs):
    """What goes wrong with the SFTP server: every connection dropped, or every read and write slowed."""

    refuse_connections: bool = False
    transfer_delay_ms: float = 0.0


class _Login(paramiko.ServerInterface):
    """One connection's authentication: the configured user name and password, nothing else."""

    def __init__(self, owner):
        self.owner = owner

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        if (username, password) == (self.owner.username, self.owner.password):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    """An open file; each read and write waits ``transfer_delay_ms`` first."""

    def __init__(self, flags, owner):
        super().__init__(flags)
        self.owner = owner

    def read(self, offset, length):
        self._wait()
        return super().read(offset, length)

    def write(self, offset, data):
        self._wait()
        return super().write(offset, data)

    def _wait(self):
        if self.owner.settings.transfer_delay_ms:
            time.sleep(self.owner.settings.transfer_delay_ms / 1000)


def _errors_as_codes(method):
    """Answer an ``OSError`` with the matching SFTP status code instead of failing the session."""

    def call(self, *args):
        try:
            return method(self, *args)
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    return call


class _Folder(paramiko.SFTPServerInterface):
    """The SFTP operations, confined to the server's root folder."""

    def __init__(self, server, *args, **kwargs):
        super().__init__(server, *args, **kwargs)
        self.owner = server.owner

    def _real(self, path: str) -> str:
        """The local path of an SFTP path; ``canonicalize`` resolves ``..`` so nothing escapes the root."""
        return os.path.join(self.owner.root, self.canonicalize(path).lstrip("/"))

    @_errors_as_codes
    def list_folder(self, path):
        real = self._real(path)
        listing = []
        for name in sorted(os.listdir(real)):
            attributes = paramiko.SFTPAttributes.from_stat(os.stat(os.path.join(real, name)), name)
            listing.append(attributes)
        return listing

    @_errors_as_codes
    def stat(self, path):
        return paramiko.SFTPAttributes.from_stat(os.stat(self._real(path)))

    @_errors_as_codes
    def lstat(self, path):
        return paramiko.SFTPAttributes.from_stat(os.lstat(self._real(path)))

    @_errors_as_codes
    def open(self, path, flags, attr):
        descriptor = os.open(self._real(path), flags, 0o644)
        append = flags & os.O_APPEND
        if flags & os.O_WRONLY:
            mode = "ab" if append else "wb"
        elif flags & os.O_RDWR:
            mode = "a+b" if append else "r+b"
        else:
            mode = "rb"
        handle = _Handle(flags, self.owner)
        handle.filename = self._real(path)
        handle.readfile = handle.writefile = os.fdopen(descriptor, mode)
        return handle

    @_errors_as_codes
    def remove(self, path):
        os.remove(self._real(path))
        return paramiko.SFTP_OK

    @_errors_as_codes
    def rename(self, oldpath, newpath):
        """Plain SFTP rename never overwrites; ``posix_rename`` does."""
        if os.path.exists(self._real(newpath)):
            return paramiko.SFTP_FAILURE
        os.rename(self._real(oldpath), self._real(newpath))
        return paramiko.SFTP_OK

    @_errors_as_codes
    def posix_rename(self, oldpath, newpath):
        os.replace(self._real(oldpath), self._real(newpath))
        return paramiko.SFTP_OK

    @_errors_as_codes
    def mkdir(self, path, attr):
        os.mkdir(self._real(path))
        return paramiko.SFTP_OK

    @_errors_as_codes
    def rmdir(self, path):
        os.rmdir(self._real(path))
        return paramiko.SFTP_OK

    def chattr(self, path, attr):
        return paramiko.SFTP_OK


class SftpServer:
    """Serve ``root`` over SFTP from a background thread until ``close()``.

    Each connection gets its own paramiko transport (a thread of its own); closing
    the server closes them too. ``settings`` can change at any time.
    """

    def __init__(self, root, username: str, password: str):
        self.root = str(Path(root))
        self.username = username
        self.password = password
        self.settings = SftpSettings()
        self.address: tuple[str, int] | None = None
        self._host_key = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._transports: list[paramiko.Transport] = []
        self._lock = threading.Lock()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on ``host:port`` (0: a free port) unless already listening; return the address."""
        if self._socket is not None:
            return self.address
        self._host_key = self._host_key or paramiko.ECDSAKey.generate()
        self._socket = socket.create_server((host, port))
        self._socket.settimeout(ACCEPT_POLL)
        self.address = self._socket.getsockname()[:2]
        self._thread = threading.Thread(target=self._serve, args=(self._socket,), name="threepl-sftp", daemon=True)
        self._thread.start()
        return self.address

    @property
    def host_key(self):
        """The server's public key, for clients that check it."""
        return self._host_key

    def _serve(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.settings.refuse_connections:
                connection.close()
                continue
            self._open(connection)

    def _open(self, connection: socket.socket) -> None:
        connection.settimeout(None)
        transport = paramiko.Transport(connection)
        transport.add_server_key(self._host_key)
        transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Folder)
        transport.start_server(event=threading.Event(), server=_Login(self))
        with self._lock:
            self._transports = [t for t in self._transports if t.is_active()] + [transport]

    def close(self) -> None:
        """Stop listening and end every open session."""
        if self._socket is not None:
            self._socket.close()
            self._thread.join(timeout=5)
            self._socket = self._thread = None
        with self._lock:
            transports, self._transports = self._transports, []
        for transport in transports:
            transport.close()
