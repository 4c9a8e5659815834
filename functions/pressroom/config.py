"""Settings of each function, read from the environment once per cold start (names come from template.yaml)."""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    @classmethod
    def from_env(cls) -> Self:
        names = {name: f.alias or name for name, f in cls.model_fields.items()}
        return cls.model_validate({name: os.environ[env] for name, env in names.items() if env in os.environ})


class IngestSettings(_Settings):
    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    bucket_name: str = Field(alias="BUCKET_NAME", min_length=3)
    event_bus_name: str = Field(default="", alias="EVENT_BUS_NAME")
    public_base_url: str = Field(default="", alias="PUBLIC_BASE_URL")


class ApiSettings(_Settings):
    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    public_base_url: str = Field(default="", alias="PUBLIC_BASE_URL")
    cors_allow_origins: str = Field(default="*", alias="CORS_ALLOW_ORIGINS")
    cursor_secret: str = Field(default="", alias="CURSOR_SECRET")
