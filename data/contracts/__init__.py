"""Typed contracts of every landed table, with CoMagic Data API field names."""

from data.contracts.base import Contract, Field
from data.contracts.tables import CONTRACTS, contract_for

__all__ = ["CONTRACTS", "Contract", "Field", "contract_for"]
