"""Casusregie: the information system for Dutch Zorg- en Veiligheidshuizen."""

__version__ = "0.1.0"
