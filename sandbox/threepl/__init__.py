"""A simulated UK 3PL warehouse, reached by REST (Mintsoft-like), SOAP (Peoplevox-like) and CSV files over SFTP."""

from .system import ThreePLSystem

__all__ = ["ThreePLSystem"]
