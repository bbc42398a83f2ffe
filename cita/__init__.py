"""cita: fair, verifiable asylum appointment scheduling at US ports of entry."""

__version__ = "0.1.0"
