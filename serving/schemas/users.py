"""Users and roles: Base/Create/Update/Public families; token hashes never leave the store."""

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import ConfigId, ORMModel, Timestamp
from serving.schemas.rights import RightsSpec

LOGIN_PATTERN = r"^[A-Za-z0-9_.@-]{1,100}$"
EMAIL_PATTERN = r"^[^@\s]{1,100}@[^@\s]{1,150}$"


class UserBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, pattern=EMAIL_PATTERN, max_length=255)
    full_name: str | None = Field(None, max_length=200)


class UserCreate(UserBase):
    login: str = Field(pattern=LOGIN_PATTERN)
    rights: RightsSpec | None = None
    role_ids: list[ConfigId] = Field(default_factory=list, max_length=100)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, pattern=EMAIL_PATTERN, max_length=255)
    full_name: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class RoleRef(ORMModel):
    id: int
    name: str


class UserRef(ORMModel):
    id: int
    login: str


class UserPublic(ORMModel):
    id: int
    login: str
    account_id: int | None
    is_operator: bool = False
    email: str | None
    full_name: str | None
    is_active: bool
    created_at: Timestamp | None
    roles: list[RoleRef]


class UserCreated(UserPublic):
    token: str = Field(description="The API token. It is shown only this once.")


class TokenIssued(BaseModel):
    token: str = Field(description="The API token. It is shown only this once.")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=100)


class RoleAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role_ids: list[ConfigId] = Field(max_length=100)


class RoleBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = Field(None, max_length=500)


class RoleCreate(RoleBase):
    name: str = Field(min_length=1, max_length=100)
    rights: RightsSpec | None = None
    member_ids: list[ConfigId] = Field(default_factory=list, max_length=10_000)


class RoleUpdate(RoleBase):
    name: str | None = Field(None, min_length=1, max_length=100)


class RolePublic(ORMModel):
    id: int
    name: str
    description: str | None
    members: list[UserRef] = Field(default_factory=list)


class MemberAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_ids: list[ConfigId] = Field(max_length=10_000)


class Me(BaseModel):
    user: UserPublic
    rights: RightsSpec
