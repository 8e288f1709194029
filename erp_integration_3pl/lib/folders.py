"""The drop folder a file warehouse shares: a path on this machine, or a folder over SFTP (paramiko).

Both offer the same few operations (list, read, write atomically, move), so
the file transport does not care where the folder is. SFTP refusing or
stalling is transient; bad credentials are an authentication problem; the
password is never in a message or a log.
"""

import io
import logging
import os
import posixpath
import socket
import stat
from collections import namedtuple
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

import paramiko

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError, TransientError

_logger = logging.getLogger(__name__)

Entry = namedtuple("Entry", "name size mtime")


def _failure(exc, where, doing, timeout=None):
    """The integration error for an ``OSError`` met while ``doing`` something in ``where``."""
    if isinstance(exc, PermissionError):
        return BusinessError(
            f"{where} refused to {doing}: permission denied. "
            "Ask the warehouse to give the integration's account access to the drop folder, then press Retry."
        )
    if isinstance(exc, TimeoutError) and timeout:
        return TransientError(
            f"{where} did not answer within {timeout:g} s while trying to {doing}; it is tried again."
        )
    return TransientError(
        f"{where} failed to {doing} ({exc or type(exc).__name__}). It is tried again; "
        "if it lasts, check the drop folder settings on the backend."
    )


class LocalFolder:
    """The drop folder as a path on this machine (a share the warehouse also mounts, say)."""

    def __init__(self, path):
        self.root = Path(path)
        self.label = f"at {self.root}"

    def session(self):
        return nullcontext()

    @contextmanager
    def _operation(self, doing):
        try:
            yield
        except (FileNotFoundError, FileExistsError):
            raise
        except OSError as exc:
            raise _failure(exc, f"The drop folder {self.root}", doing) from exc

    def list(self, folder):
        """The files (not folders) in ``folder``: name, size and modification time."""
        with self._operation(f"list {folder}"), os.scandir(self.root / folder) as entries:
            return [Entry(e.name, e.stat().st_size, e.stat().st_mtime) for e in entries if e.is_file()]

    def read(self, path):
        with self._operation(f"read {path}"):
            return (self.root / path).read_bytes()

    def write(self, path, data):
        """Write ``path.part``, then rename it to ``path``: readers never see half a file."""
        target = self.root / path
        part = target.with_name(target.name + ".part")
        with self._operation(f"write {path}"):
            with open(part, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(part, target)

    def move(self, path, target):
        """Rename ``path`` to ``target`` (creating its folder), never over an existing file."""
        destination = self.root / target
        with self._operation(f"move {path} to {target}"):
            destination.parent.mkdir(parents=True, exist_ok=True)
            if destination.exists():
                raise FileExistsError(target)
            os.rename(self.root / path, destination)


class SftpFolder:
    """The drop folder on the warehouse's SFTP server, password login.

    Every operation runs in a ``session()``: one connection for all the
    operations inside the outermost one, closed when it ends. ``timeout``
    bounds the connection and each answer, so a stalled server is a
    ``TransientError`` rather than a hung job. The password is never shown.
    """

    def __init__(self, host, port=22, username="", password="", root="/", timeout=15):
        self.host, self.port, self.username = host, int(port), username
        self._password = password
        self.root = "/" + root.strip("/")
        self.timeout = timeout
        self.label = f"over SFTP at {host}:{self.port}"
        self._where = f"The warehouse's SFTP server at {host}:{self.port}"
        self._sftp = None
        self._depth = 0

    def __repr__(self):
        return f"SftpFolder({self.username}@{self.host}:{self.port}{self.root})"

    @contextmanager
    def session(self):
        if self._sftp is None:
            self._sftp = self._connect()
        self._depth += 1
        try:
            yield self._sftp
        finally:
            self._depth -= 1
            if not self._depth:
                sftp, self._sftp = self._sftp, None
                sftp.get_channel().get_transport().close()

    def _connect(self):
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except TimeoutError as exc:
            raise TransientError(f"{self._where} did not answer within {self.timeout:g} s; it is tried again.") from exc
        except OSError as exc:
            raise TransientError(
                f"{self._where} could not be reached ({exc.strerror or exc}). It is tried again; "
                "if it lasts, check the SFTP host and port on the backend."
            ) from exc
        transport = paramiko.Transport(sock)
        transport.banner_timeout = transport.auth_timeout = transport.handshake_timeout = self.timeout
        try:
            transport.connect(username=self.username, password=self._password)
            sftp = paramiko.SFTPClient.from_transport(transport)
            sftp.get_channel().settimeout(self.timeout)
            return sftp
        except paramiko.AuthenticationException as exc:
            transport.close()
            raise AuthError(
                f"{self._where} refused user {self.username!r} with the password given. "
                "Check the SFTP user name and password on the backend, then press Retry."
            ) from exc
        except (paramiko.SSHException, EOFError, OSError) as exc:
            transport.close()
            raise TransientError(
                f"{self._where} closed the connection before the login ({exc or type(exc).__name__}); "
                "it is tried again."
            ) from exc

    @contextmanager
    def _operation(self, doing):
        with self.session() as sftp:
            try:
                yield sftp
            except (FileNotFoundError, FileExistsError):
                raise
            except OSError as exc:
                raise _failure(exc, self._where, doing, self.timeout) from exc
            except (paramiko.SSHException, EOFError) as exc:
                raise TransientError(
                    f"{self._where} dropped the connection while trying to {doing}; it is tried again."
                ) from exc

    def _path(self, path):
        return posixpath.join(self.root, path)

    def list(self, folder):
        with self._operation(f"list {folder}") as sftp:
            attributes = sftp.listdir_attr(self._path(folder))
        return [Entry(a.filename, a.st_size or 0, a.st_mtime or 0) for a in attributes if stat.S_ISREG(a.st_mode or 0)]

    def read(self, path):
        buffer = io.BytesIO()
        with self._operation(f"read {path}") as sftp:
            sftp.getfo(self._path(path), buffer)
        return buffer.getvalue()

    def write(self, path, data):
        """Upload ``path.part``, then rename it over ``path``."""
        target = self._path(path)
        with self._operation(f"write {path}") as sftp:
            sftp.putfo(io.BytesIO(data), target + ".part")
            try:
                sftp.posix_rename(target + ".part", target)
            except OSError:
                # Servers without the POSIX rename extension refuse to rename over a file.
                with suppress(FileNotFoundError):
                    sftp.remove(target)
                sftp.rename(target + ".part", target)

    def move(self, path, target):
        with self._operation(f"move {path} to {target}") as sftp:
            folder = posixpath.dirname(self._path(target))
            try:
                sftp.stat(folder)
            except FileNotFoundError:
                sftp.mkdir(folder)
            sftp.rename(self._path(path), self._path(target))
