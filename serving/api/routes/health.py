"""Liveness and readiness: the config store answers and the warehouse is readable."""

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from serving.api.deps import SessionDep, WarehouseDep
from serving.api.guard import needs

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    config_store: bool
    warehouse_tables: list[str]


@router.get("/health", response_model=Health, openapi_extra=needs("public"))
def health(session: SessionDep, warehouse: WarehouseDep):
    session.execute(text("SELECT 1"))
    return Health(status="ok", config_store=True, warehouse_tables=warehouse.tables())
